"""A repository made of BUILD files only, for libraries Debian installs.

The headers live in /usr/include (already on the compiler's search path) and
the libraries in the system library directory, so each package here is a set
of cc_library targets that only add link options. The targets carry the names
the upstream projects use (`@com_google_absl//absl/strings`), so switching to
vendored sources later changes WORKSPACE and nothing else.
"""

def _system_repository_impl(ctx):
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    for build_file, package in ctx.attr.packages.items():
        path = package + "/BUILD.bazel" if package else "BUILD.bazel"
        ctx.symlink(build_file, path)

system_repository = repository_rule(
    implementation = _system_repository_impl,
    attrs = {
        # BUILD file label -> package path inside the repository ("" = root).
        "packages": attr.label_keyed_string_dict(allow_files = True, mandatory = True),
    },
    local = True,
)
