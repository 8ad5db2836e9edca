// Package e2e drives rt through real engines, as users and Kubernetes reach
// it: podman (--runtime), containerd (ctr --runc-binary) and containerd's
// CRI plugin (crictl, RuntimeClass handler). Images are made locally from a
// busybox rootfs (no registry). Needs root and the engines installed (.ci/run
// installs them); without them every test skips with the reason.
//
// Each engine's tests live in their own files with their own prefix
// (podman*, ctr*, cri*): a private configuration and state per run, and no
// leftover containers, cgroups or mounts.
package e2e
