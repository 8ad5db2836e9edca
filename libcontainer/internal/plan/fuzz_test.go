package plan

import (
	"testing"

	"github.com/rt-runtime/rt/spec"
)

// FuzzBuild: whatever config.json passes spec.Validate, planning it never
// panics (plan errors are fine), for create and for exec.
func FuzzBuild(f *testing.F) {
	f.Add([]byte(`{"ociVersion":"1.3.0","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},
		"mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/d","type":"bind","source":"/s","options":["rbind","ro","idmap"]}],
		"linux":{"namespaces":[{"type":"mount"},{"type":"user"}],"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],
		"gidMappings":[{"containerID":0,"hostID":1000,"size":1}],"mountLabel":"x","cgroupsPath":"/a"}}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","process":{"args":["a"],"rlimits":[{"type":"RLIMIT_NOFILE","soft":1,"hard":2}],
		"scheduler":{"policy":"SCHED_OTHER"},"ioPriority":{"class":"IOPRIO_CLASS_BE","priority":1}},
		"hooks":{"createContainer":[{"path":"/h","timeout":1}]},"linux":{"sysctl":{"net.ipv4.ip_forward":"1"},"maskedPaths":["/m"]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse(data)
		if err != nil {
			return
		}
		if _, err := spec.Validate(s, spec.ValidateOptions{}); err != nil || s.Process == nil {
			return
		}
		_, _ = Build(&Input{Spec: s, Rootfs: "/r", BundleDir: "/b", ConsoleFd: -1, StartFd: -1,
			Privileged: true, TreeFdBase: 9, CgroupV2Only: len(data)%2 == 0})
		_, _ = BuildExec(&ExecInput{Spec: s, PidFd: 5, RootFd: -1, ConsoleFd: -1})
	})
}
