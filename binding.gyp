{
  "variables": {
    # 0: io_uring only (native/no_xdp), for machines without libxdp/libbpf headers (dist/install).
    "ringsock_xdp%": 1,
    # 1: link liburing, libxdp, libbpf, libelf, zlib and the C++ runtime into the addon, so it
    # needs only glibc (the prebuilds/ that scripts/prebuild.sh makes); their .a files, made fit
    # for a shared object by that script, are in ringsock_libdir, their headers in
    # ringsock_incdir (a cross build's sysroot).
    "ringsock_static%": 0,
    "ringsock_libdir%": "",
    "ringsock_incdir%": ""
  },
  "targets": [
    {
      "target_name": "ringsock",
      "sources": [
        "<!@(ls -1 native/*.cc native/common/*.cc native/loop/*.cc native/js/*.cc native/uring/*.cc 2>/dev/null)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "conditions": [
        ["ringsock_xdp==1", {
          "sources": ["<!@(ls -1 native/xdp/*.cc native/xdp/stack/*.cc native/js/xdp/*.cc 2>/dev/null)"]
        }, {
          "sources": ["native/no_xdp/init.cc"]
        }],
        ["ringsock_incdir!=''", {
          "cflags_cc": ["-isystem", "<(ringsock_incdir)"]
        }],
        ["ringsock_static==1", {
          "sources": ["native/static/stderr.cc"],
          "libraries": [
            "<(ringsock_libdir)/liburing.a", "<(ringsock_libdir)/libxdp.a", "<(ringsock_libdir)/libbpf.a",
            "<(ringsock_libdir)/libelf.a", "<(ringsock_libdir)/libz.a"
          ],
          "ldflags": ["-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL"]
        }, {
          "conditions": [
            ["ringsock_xdp==1", {
              "libraries": ["-luring", "-lxdp", "-lbpf", "-lelf", "-lz"]
            }, {
              "libraries": ["-luring"]
            }]
          ]
        }]
      ]
    }
  ]
}
