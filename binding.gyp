{
  "targets": [
    {
      "target_name": "ringsock",
      "sources": [
        "<!@(ls -1 native/*.cc native/common/*.cc native/loop/*.cc native/js/*.cc native/uring/*.cc native/xdp/*.cc native/xdp/stack/*.cc 2>/dev/null)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-luring", "-lxdp", "-lbpf", "-lelf", "-lz"]
    }
  ]
}
