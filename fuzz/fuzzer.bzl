"""lemonade_fuzzer: a libFuzzer target that is also a regression test.

`lemonade_fuzzer(name, srcs, deps, corpus, dict)` declares
  - `name`: the fuzz binary. With --config=fuzz it links libFuzzer
    (-fsanitize=fuzzer); otherwise it links standalone_fuzz_main.cc, a small
    driver that runs LLVMFuzzerTestOneInput over the files and directories it
    is given, so any crash input can be replayed in a normal build.
  - `name_corpus_test`: runs every file of the seed corpus through the target
    once, in every configuration, as part of `bazel test //...`.
The layout follows the libFuzzer/OSS-Fuzz conventions: one
LLVMFuzzerTestOneInput per binary, `<name>_corpus/` next to it, and a
`<name>.dict` dictionary.
"""

def lemonade_fuzzer(name, srcs, deps = [], corpus = None, dict = None, **kwargs):
    engine_deps = select({
        "//fuzz:libfuzzer": [],
        "//conditions:default": ["//fuzz:standalone_fuzz_main"],
    })
    engine_linkopts = select({
        "//fuzz:libfuzzer": ["-fsanitize=fuzzer"],
        "//conditions:default": [],
    })
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + engine_deps,
        linkopts = engine_linkopts,
        **kwargs
    )
    corpus_files = native.glob([(corpus or name + "_corpus") + "/**"])
    data = corpus_files + ([dict] if dict else [])
    native.cc_test(
        name = name + "_corpus_test",
        srcs = srcs,
        deps = deps + engine_deps,
        linkopts = engine_linkopts,
        args = ["$(location %s)" % f for f in corpus_files],
        data = data,
        size = "small",
        **kwargs
    )
