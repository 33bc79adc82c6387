{
  "targets": [
    {
      "target_name": "bsdsock",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/sockaddr.cc",
        "native/socket.cc",
        "native/poll.cc",
        "native/constants.cc",
        "native/netdb.cc",
        "native/msg.cc",
        "native/select.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # C++ exceptions on, chosen once here: a Napi call that fails throws, so
      # no error can be silently dropped. NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS:
      # an error that cannot be thrown because the environment is being torn
      # down (worker.terminate()) is dropped instead of rethrown from
      # node-addon-api's own catch block, which is std::terminate for the
      # whole process (issue 8, item 2). Keep CMakeLists.txt in step.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
                  "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LIBRARY": "libc++",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      },
      "conditions": [
        ["OS=='win'", { "defines": ["BSDSOCK_UNSUPPORTED_PLATFORM"] }]
      ]
    }
  ]
}
