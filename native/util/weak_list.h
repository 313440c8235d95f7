// Parents list their children through weak_ptrs (ownership runs child → parent); this drops the
// entries of children already gone, so the lists do not grow with every object ever created.
#pragma once
#include <algorithm>
#include <memory>
#include <vector>

namespace ndkv {

template <typename T>
void PruneExpired(std::vector<std::weak_ptr<T>>& list) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const std::weak_ptr<T>& w) { return w.expired(); }),
             list.end());
}

}  // namespace ndkv
