// Package spec is rt's only model of a container configuration: it loads a
// bundle's config.json, validates it, and produces the default configuration
// that `rt spec` writes.
//
// # Loading
//
// Load resolves the bundle directory to an absolute, cleaned path without
// changing the working directory (rt never chdirs into the bundle, unlike
// runc), reads config.json with a size bound, and decodes it with
// encoding/json. Unknown fields are tolerated, as the runtime-spec asks of
// runtimes; malformed JSON is reported with its line, column and byte offset.
//
// # Validation
//
// Validate checks a decoded spec before anything is created. It is pure: it
// never touches the filesystem or the kernel, so the same config gives the same
// answer on every host and every rule is table-tested without root. Checks
// that need the host (does the rootfs exist, is a namespace path of the right
// type, is a capability supported by this kernel) belong to the layers that act
// on the config.
//
// Every error is a *FieldError naming the JSON path of the offending value,
// for example
//
//	linux.namespaces[2].type: unknown namespace "foo"
//	mounts[3].destination: must be an absolute path, not "proc"
//
// and wraps ErrInvalidConfig. Where runc has an established error text, the
// message after the path is runc's, word for word, so that users and tools
// that know runc's messages recognise ours. Values taken from the config are
// printed quoted (%q) so that a hostile config cannot inject lines into a log.
//
// Things the runtime-spec says a runtime must ignore or only warn about (an
// unknown capability, a consoleSize without a terminal) are returned as
// warnings, not errors.
//
// # Deviations from runc, and why
//
//   - Relative mount destinations are rejected: runc still accepts them with a
//     deprecation warning; they have been deprecated since runtime-spec 1.0.
//   - A new user namespace needs both uidMappings and gidMappings: with only
//     one, the container's setgid/setuid fails later with a less clear error.
//   - kernel.hostname is accepted in a private UTS namespace when the hostname
//     field is empty (runc rejects it even then; the conflict it guards against
//     only exists when both are set).
//   - Sysctl keys whose components resolve to "." or ".." are rejected: with
//     slash separators ("net/../kernel/core_pattern") they could otherwise name
//     a file outside the namespaced subtree. SysctlPath gives the one safe
//     translation of a key to a path under /proc/sys.
//   - Mounts onto /proc other than procfs, and mounts below /proc other than the
//     files lxcfs emulates, are rejected here already (runc checks the same list
//     at mount time). The rootfs layer must still check after resolving the
//     destination inside the root, since symlinks can reach /proc too.
package spec
