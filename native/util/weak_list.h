// Parents list their children through weak_ptrs (ownership runs child → parent); these drop the
// entries of children already gone, so the lists do not grow with every object ever created.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace ndkv {

template <typename T>
void PruneExpired(std::vector<std::weak_ptr<T>>& list) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const std::weak_ptr<T>& w) { return w.expired(); }),
             list.end());
}

// Appends `child`, pruning first only when the list is full (about to reallocate): amortized O(1)
// per child, where pruning on every append made creating the n-th child O(n) (a protection domain
// holding 100,000 regions paid for a scan of all of them on each new one). The list stays within
// twice the live children (plus what collection has not yet released).
template <typename T>
void AppendPruning(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& child) {
  if (list.size() == list.capacity()) PruneExpired(list);
  list.push_back(child);
}

// A parent's children by slot number: a child keeps its slot for its whole life, so JavaScript can
// name many children in one typed array (a batch) instead of one handle each, and the slot of a
// child gone is reused. Iterating yields every slot, live or not (lock() each). JS thread only.
template <typename T>
class SlotList {
 public:
  uint32_t Add(const std::shared_ptr<T>& child) {
    if (free_.empty() && slots_.size() == slots_.capacity()) CollectFree();
    if (!free_.empty()) {
      uint32_t slot = free_.back();
      free_.pop_back();
      slots_[slot] = child;
      return slot;
    }
    slots_.push_back(child);
    return static_cast<uint32_t>(slots_.size() - 1);
  }

  // The live child in `slot`, or null (out of range, or gone).
  std::shared_ptr<T> Get(uint32_t slot) const {
    return slot < slots_.size() ? slots_[slot].lock() : nullptr;
  }

  typename std::vector<std::weak_ptr<T>>::iterator begin() { return slots_.begin(); }
  typename std::vector<std::weak_ptr<T>>::iterator end() { return slots_.end(); }

 private:
  // Called when the list is full and no free slot is known: collects the slots of children gone.
  // When fewer than a quarter are free, the list grows anyway, so each scan of n slots pays for at
  // least n/4 additions (amortized O(1), whatever the churn).
  void CollectFree() {
    for (size_t i = 0; i < slots_.size(); i++) {
      if (slots_[i].expired()) free_.push_back(static_cast<uint32_t>(i));
    }
    if (free_.size() < slots_.size() / 4) slots_.reserve(std::max<size_t>(16, 2 * slots_.size()));
  }

  std::vector<std::weak_ptr<T>> slots_;
  std::vector<uint32_t> free_;
};

}  // namespace ndkv
