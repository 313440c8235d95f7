{
  # Off in every normal build. `node-gyp rebuild -- -Dndk_verbs_test_hooks=1` compiles the test
  # hooks in (NDK_VERBS_TEST_HOOKS: e.g. a forced std::bad_alloc in the MR request queue), and
  # `-Dndk_verbs_sanitize=1` builds with AddressSanitizer and UndefinedBehaviorSanitizer (see
  # scripts/sanitize.sh and docs/sanitizers.md).
  "variables": {
    "ndk_verbs_test_hooks%": 0,
    "ndk_verbs_sanitize%": 0
  },
  "targets": [
    {
      "target_name": "ndk_verbs",
      "sources": [
        "native/addon.cc",
        "native/teardown.cc",
        "native/device.cc",
        "native/gid_table.cc",
        "native/protection_domain.cc",
        "native/memory_region.cc",
        "native/mr_registry.cc",
        "native/mr_request_queue.cc",
        "native/memory_window.cc",
        "native/completion_queue.cc",
        "native/cq_event_thread.cc",
        "native/device_event_thread.cc",
        "native/queue_pair.cc",
        "native/queue_pair_post.cc",
        "native/qp_destroy_threads.cc",
        "native/memory_block.cc",
        "native/util/backing_store_pin.cc",
        "native/util/fork_exclusion.cc",
        "native/util/make_core.cc",
        "native/util/stoppable_thread.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a completion that reaches an environment already
      # shutting down (a worker terminated with a request in flight) must not end in std::terminate.
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "cflags": ["-fvisibility=hidden", "<!@(pkg-config --cflags libibverbs)"],
      "libraries": ["<!@(pkg-config --libs libibverbs)"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }],
        ["ndk_verbs_test_hooks==1", { "defines": ["NDK_VERBS_TEST_HOOKS"] }],
        # Every UBSan finding aborts (no recovery); vptr checks need RTTI, which node-gyp turns off.
        ["ndk_verbs_sanitize==1", {
          "cflags": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                     "-fno-sanitize=vptr", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
