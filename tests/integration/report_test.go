package integration

import "strings"

// Report mirrors the JSON that `/probe report` prints (tests/probe/main.go).
type Report struct {
	Pid           int                 `json:"pid"`
	Ppid          int                 `json:"ppid"`
	Uid           int                 `json:"uid"`
	Gid           int                 `json:"gid"`
	Euid          int                 `json:"euid"`
	Egid          int                 `json:"egid"`
	Groups        []int               `json:"groups"`
	Umask         string              `json:"umask"`
	Cwd           string              `json:"cwd"`
	Hostname      string              `json:"hostname"`
	Domainname    string              `json:"domainname"`
	Caps          map[string]string   `json:"caps"`
	CapNames      map[string][]string `json:"capNames"`
	NoNewPrivs    int                 `json:"noNewPrivs"`
	Seccomp       int                 `json:"seccomp"`
	Rlimits       map[string]Rlimit   `json:"rlimits"`
	OomScoreAdj   int                 `json:"oomScoreAdj"`
	Fds           map[string]string   `json:"fds"`
	Namespaces    map[string]string   `json:"namespaces"`
	Mountinfo     []string            `json:"mountinfo"`
	Env           []string            `json:"env"`
	Args          []string            `json:"args"`
	Sysctls       map[string]string   `json:"sysctls"`
	Devices       []Stat              `json:"devices"`
	Stdio         []Stdio             `json:"stdio"`
	Winsize       *Winsize            `json:"winsize"`
	Personality   int                 `json:"personality"`
	Scheduler     Scheduler           `json:"scheduler"`
	IOPrio        IOPrio              `json:"ioprio"`
	Clocks        map[string]float64  `json:"clocks"`
	TimensOffsets string              `json:"timensOffsets"`
	UidMap        string              `json:"uidMap"`
	GidMap        string              `json:"gidMap"`
	Setgroups     string              `json:"setgroups"`
	Cgroup        []string            `json:"cgroup"`
	Interfaces    []string            `json:"interfaces"`
	SessionKey    int                 `json:"sessionKeyring"`
	SessionKeyDsc string              `json:"sessionKeyringDesc"`
	Status        map[string]string   `json:"status"`
	Errors        map[string]string   `json:"errors"`
}

type Rlimit struct {
	Soft uint64 `json:"soft"`
	Hard uint64 `json:"hard"`
}

type Stat struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Mode   string `json:"mode"`
	Major  uint32 `json:"major"`
	Minor  uint32 `json:"minor"`
	Uid    uint32 `json:"uid"`
	Gid    uint32 `json:"gid"`
	Size   int64  `json:"size"`
	Target string `json:"target"`
	Error  string `json:"error"`
	Errno  int    `json:"errno"`
}

type Stdio struct {
	Fd   int    `json:"fd"`
	Type string `json:"type"`
	Link string `json:"link"`
	Tty  bool   `json:"tty"`
}

type Winsize struct {
	Rows uint16 `json:"rows"`
	Cols uint16 `json:"cols"`
}

type Scheduler struct {
	Policy   string `json:"policy"`
	Nice     int32  `json:"nice"`
	Priority uint32 `json:"priority"`
	Flags    uint64 `json:"flags"`
}

type IOPrio struct {
	Class string `json:"class"`
	Level int    `json:"level"`
}

// Getenv returns the value of an environment variable the probe saw.
func (r *Report) Getenv(key string) (string, bool) {
	for _, e := range r.Env {
		if k, v, ok := strings.Cut(e, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// Mount returns the mountinfo line for a mount point the probe saw.
func (r *Report) Mount(dest string) (string, bool) { return mountLine(r.Mountinfo, dest) }
