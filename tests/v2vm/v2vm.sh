#!/usr/bin/env bash
# v2vm.sh - run a container-runtime test script inside a throw-away QEMU VM
# that boots a Debian kernel on a pure cgroup v2 hierarchy (cgroup_no_v1=all),
# whatever cgroup mode the host is in (the host is not touched).
#
# rt's copy of ../shared/vm/v2vm.sh (so that `make v2vm` works on a machine
# without ../shared).  Changes from it: -h/--help prints this header, and
# V2VM_ENV passes NAME=VALUE switches to the test script (e.g. the
# V2VM_RESOURCES switch of tests/v2vm/cgroupv2-test.sh).  `make v2vm` runs it.
#
# usage: v2vm.sh RUNTIME_BIN WORKDIR TEST_SCRIPT
#
#   RUNTIME_BIN  runtime binary (runc, crun, ...); in the VM it is
#                /usr/local/bin/<basename> (with the shared libraries `ldd`
#                reports for it) and $RUNTIME points to it
#   WORKDIR      scratch dir (kernel and rootfs caches, images, serial log)
#   TEST_SCRIPT  POSIX sh script run as root in the VM after boot; it must
#                print the line "V2VM-RESULT: PASS" on success
#
# exit status: 0 if the serial log has "V2VM-RESULT: PASS", 1 if not, 2 on
# usage/setup errors.  The serial log is printed and kept in WORKDIR/serial.log.
#
# Two guest modes (V2VM_INIT):
#   busybox  (default) no disk: an initramfs with busybox-static, the runtime
#            and the test; / is a tmpfs (switch_root, so pivot_root works),
#            cgroup2 mounted by the script with every controller enabled in
#            the root's cgroup.subtree_control.  ~8 s boot-to-poweroff (TCG).
#   systemd  Debian minbase + systemd + dbus made with debootstrap (cached in
#            WORKDIR/sysroot; or V2VM_SYSROOT), put on an ext4 image
#            (mkfs.ext4 -d, no loop mount) attached with virtio-blk; systemd
#            is PID 1 and runs the test as the oneshot unit v2vm-test.service
#            (stdout on the console, prefixed by the journal), then powers
#            off.  Use it to test --systemd-cgroup.  ~10 s to multi-user (TCG).
#
# environment (all optional):
#   V2VM_INIT      busybox | systemd                                [busybox]
#   V2VM_KERNEL    vmlinuz to boot.  Default: the first WORKDIR/kernel/boot/
#                  vmlinuz-*; if there is none, the current Debian
#                  linux-image-amd64 kernel is fetched with `apt-get download`
#                  and unpacked with `dpkg-deb -x` into WORKDIR/kernel
#                  (nothing is installed on the host)
#   V2VM_MODROOT   dir holding lib/modules/<kver>             [WORKDIR/kernel]
#   V2VM_MODULES   kernel modules loaded (with dependencies) before the test,
#                  e.g. "overlay veth bridge"                              []
#   V2VM_BUNDLE    dir copied to /bundle in the VM ($BUNDLE then set)      []
#   V2VM_OVERLAY   dir whose contents are copied over the VM root          []
#   V2VM_BINS      extra host binaries copied to /usr/local/bin, with libs []
#   V2VM_BUSYBOX   static busybox                 [busybox found on PATH]
#   V2VM_QEMU      [qemu-system-x86_64]
#   V2VM_ACCEL     tcg | kvm                                            [tcg]
#   V2VM_CPU       -cpu model under tcg (max: ~1.4x slower)          [qemu64]
#   V2VM_MEM       MiB of guest memory                                 [1024]
#   V2VM_SMP       guest CPUs                                             [2]
#   V2VM_TIMEOUT   seconds before the VM is killed; the test itself gets 30 s
#                  less                                                 [600]
#   V2VM_APPEND    extra kernel command line                               []
#   V2VM_CGROUP    v2 (cgroup_no_v1=all) | hybrid (systemd mode only:
#                  systemd.unified_cgroup_hierarchy=0, v1 controllers and
#                  cgroup2 at /sys/fs/cgroup/unified)                     [v2]
#   V2VM_QUIET     1: pass "quiet" to the kernel                          [1]
#   V2VM_ENV       space-separated NAME=VALUE words added to the test's
#                  environment (values without spaces)                     []
#   systemd mode only:
#   V2VM_SYSROOT   prepared root dir to use instead of debootstrap         []
#   V2VM_SUITE     debootstrap suite                               [bookworm]
#   V2VM_MIRROR    Debian mirror URL      [first URI in the host's apt config]
#   V2VM_PACKAGES  extra packages for debootstrap --include               []
#   V2VM_DISK_MB   size of the (sparse) ext4 image                     [2048]
#
# Test environment: RUNTIME, BUNDLE (if any), BUSYBOX (static busybox in the
# guest, e.g. for building a container rootfs), V2VM=1, V2VM_INIT.
set -euo pipefail

die() { echo "v2vm: $*" >&2; exit 2; }
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
[ $# -eq 3 ] || die "usage: $0 RUNTIME_BIN WORKDIR TEST_SCRIPT"
RUNTIME_BIN=$(readlink -f "$1"); WORKDIR=$2; TEST_SCRIPT=$(readlink -f "$3")
[ -x "$RUNTIME_BIN" ] || die "not executable: $1"
[ -f "$TEST_SCRIPT" ] || die "no test script: $3"
mkdir -p "$WORKDIR"; WORKDIR=$(readlink -f "$WORKDIR")
MODE=${V2VM_INIT:-busybox}
case "$MODE" in busybox|systemd) ;; *) die "V2VM_INIT must be busybox or systemd" ;; esac
TIMEOUT=${V2VM_TIMEOUT:-600}
[ "$TIMEOUT" -gt 60 ] || die "V2VM_TIMEOUT must be > 60"

QEMU=${V2VM_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86)"
BUSYBOX=${V2VM_BUSYBOX:-$(command -v busybox || true)}
[ -n "$BUSYBOX" ] || die "busybox not found (apt-get install busybox-static)"
BUSYBOX=$(readlink -f "$BUSYBOX")
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamic; need busybox-static"; fi
t_setup=$(date +%s.%N)
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}'; }

# ---------------------------------------------------------------- kernel
if [ -z "${V2VM_KERNEL:-}" ]; then
	V2VM_KERNEL=$(ls "$WORKDIR"/kernel/boot/vmlinuz-* 2>/dev/null | head -n1 || true)
	if [ -z "$V2VM_KERNEL" ]; then
		pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
		[ -n "$pkg" ] || die "cannot resolve linux-image-amd64"
		echo "v2vm: fetching $pkg" >&2
		mkdir -p "$WORKDIR/debs" "$WORKDIR/kernel"
		(cd "$WORKDIR/debs" && apt-get download "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
		dpkg-deb -x "$WORKDIR"/debs/"$pkg"_*.deb "$WORKDIR/kernel"
		V2VM_KERNEL=$(ls "$WORKDIR"/kernel/boot/vmlinuz-* | head -n1)
	fi
fi
[ -r "$V2VM_KERNEL" ] || die "no kernel: $V2VM_KERNEL"
KVER=${V2VM_KERNEL##*/vmlinuz-}
MODROOT=${V2VM_MODROOT:-$WORKDIR/kernel}
MD=$MODROOT/lib/modules/$KVER

add_modules() { # dest-root module-name...
	local dst=$1 m p line f want=""
	shift
	[ $# -gt 0 ] || return 0
	[ -d "$MD/kernel" ] || die "no modules in $MD"
	[ -s "$MD/modules.dep" ] || "$BUSYBOX" depmod -b "$MODROOT" "$KVER"
	for m in "$@"; do
		p=${m//[-_]/[-_]}
		line=$(grep -E "/$p\.ko(\.[a-z]+)?:" "$MD/modules.dep" | head -n1) ||
			die "module $m not in $MD/modules.dep (built in?)"
		want="$want ${line%%:*} ${line#*:}"
	done
	mkdir -p "$dst/lib/modules/$KVER"
	for f in $want; do
		mkdir -p "$dst/lib/modules/$KVER/$(dirname "$f")"
		cp "$MD/$f" "$dst/lib/modules/$KVER/$f"
		grep -E "^$f:" "$MD/modules.dep" >> "$dst/lib/modules/$KVER/modules.dep"
	done
	sort -u -o "$dst/lib/modules/$KVER/modules.dep" "$dst/lib/modules/$KVER/modules.dep"
}

copy_with_libs() { # root host-binary dest-dir-in-root
	local r=$1 lib
	mkdir -p "$r$3"
	cp "$2" "$r$3/"
	for lib in $(ldd "$2" 2>/dev/null | awk '{for(i=1;i<=NF;i++) if ($i ~ /^\//) print $i}'); do
		[ -e "$r$lib" ] && continue
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
}

add_payload() { # root: runtime, extra bins, test, bundle, overlay, env file
	local r=$1 b
	copy_with_libs "$r" "$RUNTIME_BIN" /usr/local/bin
	for b in ${V2VM_BINS:-}; do
		copy_with_libs "$r" "$(readlink -f "$(command -v "$b" || echo "$b")")" /usr/local/bin
	done
	cp "$TEST_SCRIPT" "$r/test.sh"; chmod 755 "$r/test.sh"
	if [ -n "${V2VM_BUNDLE:-}" ]; then rm -rf "$r/bundle"; cp -a "$V2VM_BUNDLE" "$r/bundle"; fi
	[ -z "${V2VM_OVERLAY:-}" ] || cp -a "$V2VM_OVERLAY"/. "$r/"
	if [ "$MODE" = systemd ]; then cp "$BUSYBOX" "$r/usr/local/bin/busybox"; fi
	{
		echo "RUNTIME=/usr/local/bin/${RUNTIME_BIN##*/}"
		if [ "$MODE" = systemd ]; then echo "BUSYBOX=/usr/local/bin/busybox"; else echo "BUSYBOX=/bin/busybox"; fi
		[ -z "${V2VM_BUNDLE:-}" ] || echo "BUNDLE=/bundle"
		echo "V2VM=1"
		echo "V2VM_INIT=$MODE"
		for b in ${V2VM_ENV:-}; do
			case "$b" in [A-Za-z_]*=*) echo "$b" ;; *) die "V2VM_ENV: not NAME=VALUE: $b" ;; esac
		done
	} > "$r/etc/v2vm-env"
}

# a busybox root with the given /init (stdio on /dev/console even without
# a console node in the archive: building needs no root for mknod)
busybox_root() { # dir
	local r=$1 a
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,run,etc,root,newroot}
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
	done
}
pack() { # dir out.gz
	(cd "$1" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1 > "$2")
}

R=$WORKDIR/root
INITRD=$WORKDIR/initrd.gz
DRIVE=()
if [ "$MODE" = busybox ]; then
	busybox_root "$R"
	echo "root:x:0:0:root:/root:/bin/sh" > "$R/etc/passwd"
	echo "root:x:0:" > "$R/etc/group"
	echo "127.0.0.1 localhost v2vm" > "$R/etc/hosts"
	add_payload "$R"
	# shellcheck disable=SC2086
	add_modules "$R" ${V2VM_MODULES:-}
	echo "${V2VM_MODULES:-}" > "$R/etc/v2vm-modules"
	echo "V2VM_TEST_TIMEOUT=$((TIMEOUT - 30))" >> "$R/etc/v2vm-env"
	# stage 1: the initramfs root cannot be pivot_root'ed: copy it to a tmpfs
	cat > "$R/init" <<'EOF'
#!/bin/busybox sh
B=/bin/busybox
$B mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
$B mount -t tmpfs -o mode=0755 rootfs /newroot
for d in /*; do
	case "$d" in /newroot|/init|/dev|/proc|/sys) ;; *) $B cp -a "$d" /newroot/ ;; esac
done
$B mkdir -p /newroot/dev /newroot/proc /newroot/sys
$B mount --move /dev /newroot/dev
exec $B switch_root /newroot /init2
EOF
	# stage 2
	cat > "$R/init2" <<'EOF'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=0755 run /run
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "v2vm: cannot enable $c"
done
hostname v2vm
ip link set lo up
for m in $(cat /etc/v2vm-modules); do modprobe "$m" || echo "v2vm: modprobe $m failed"; done
set -a; . /etc/v2vm-env; set +a
echo "V2VM-BOOTED: kernel $(uname -r) uptime $(cut -d' ' -f1 /proc/uptime)s cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
cd /
timeout "$V2VM_TEST_TIMEOUT" sh /test.sh
echo "V2VM-EXIT: $? uptime $(cut -d' ' -f1 /proc/uptime)s"
sync
poweroff -f
EOF
	chmod 755 "$R/init" "$R/init2"
	pack "$R" "$INITRD"
	rm -rf "$R"
else
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not found (apt-get install e2fsprogs)"
	SYSROOT=${V2VM_SYSROOT:-$WORKDIR/sysroot}
	if [ ! -x "$SYSROOT/lib/systemd/systemd" ]; then
		[ -z "${V2VM_SYSROOT:-}" ] || die "$SYSROOT has no /lib/systemd/systemd"
		command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
		mirror=${V2VM_MIRROR:-$( (grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
			grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
			) | head -n1 || true)}
		[ -n "$mirror" ] || die "no Debian mirror found; set V2VM_MIRROR"
		echo "v2vm: debootstrap ${V2VM_SUITE:-bookworm} into $SYSROOT" >&2
		rm -rf "$SYSROOT.tmp"
		inc=systemd,systemd-sysv,dbus${V2VM_PACKAGES:+,$V2VM_PACKAGES}
		debootstrap --variant=minbase --include="$inc" "${V2VM_SUITE:-bookworm}" "$SYSROOT.tmp" "$mirror" \
			> "$WORKDIR/debootstrap.log" 2>&1 || die "debootstrap failed, see $WORKDIR/debootstrap.log"
		rm -rf "$SYSROOT.tmp"/var/cache/apt/archives/*.deb "$SYSROOT.tmp"/var/lib/apt/lists/*_Packages
		mv "$SYSROOT.tmp" "$SYSROOT"
	fi
	rm -rf "$R"; cp -a "$SYSROOT" "$R"
	add_payload "$R"
	cat > "$R/etc/systemd/system/v2vm-test.service" <<EOF
[Unit]
Description=v2vm test
After=multi-user.target dbus.service
Wants=dbus.service
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
EnvironmentFile=/etc/v2vm-env
ExecStart=/bin/sh /test.sh
TimeoutStartSec=$((TIMEOUT - 30))
StandardOutput=journal+console
StandardError=journal+console
[Install]
WantedBy=multi-user.target
EOF
	mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/v2vm-test.service "$R/etc/systemd/system/multi-user.target.wants/"
	# units that only slow a throw-away boot down
	for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-pstore.service; do
		ln -sf /dev/null "$R/etc/systemd/system/$u"
	done
	echo v2vm > "$R/etc/hostname"
	echo "/dev/vda / ext4 rw,noatime 0 1" > "$R/etc/fstab"
	# shellcheck disable=SC2086
	add_modules "$R" ${V2VM_MODULES:-}
	IMG=$WORKDIR/root.img
	rm -f "$IMG"; truncate -s "${V2VM_DISK_MB:-2048}M" "$IMG"
	mkfs.ext4 -q -F -L v2vmroot -d "$R" "$IMG"
	rm -rf "$R"
	DRIVE=(-drive "file=$IMG,if=virtio,format=raw")
	# stage 1: load virtio/ext4 (modules in Debian's kernel), mount /dev/vda,
	# hand over to systemd
	busybox_root "$R"
	# shellcheck disable=SC2086
	add_modules "$R" virtio_pci virtio_blk crc32c_generic ext4 ${V2VM_MODULES:-}
	cat > "$R/init" <<EOF
#!/bin/busybox sh
B=/bin/busybox
\$B mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
\$B mount -t proc proc /proc
\$B mount -t sysfs sysfs /sys
for m in virtio_pci virtio_blk crc32c_generic ext4 ${V2VM_MODULES:-}; do \$B modprobe \$m || echo "v2vm: modprobe \$m failed"; done
n=0; while [ ! -b /dev/vda ] && [ \$n -lt 100 ]; do \$B sleep 0.1; n=\$((n+1)); done
\$B mount -t ext4 -o rw /dev/vda /newroot || { echo "v2vm: cannot mount /dev/vda"; \$B poweroff -f; }
\$B umount /proc /sys
\$B mount --move /dev /newroot/dev
exec \$B switch_root /newroot /lib/systemd/systemd
EOF
	chmod 755 "$R/init"
	pack "$R" "$INITRD"
	rm -rf "$R"
fi
echo "v2vm: $MODE guest prepared in $(elapsed "$t_setup")s" >&2

# ---------------------------------------------------------------- boot
case "${V2VM_CGROUP:-v2}" in
v2) CGROUP_ARGS="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" ;;
hybrid) CGROUP_ARGS="systemd.unified_cgroup_hierarchy=0" ;; # systemd mode: v1 controllers + cgroup2
*) die "V2VM_CGROUP must be v2 or hybrid" ;;
esac
APPEND="console=ttyS0 $CGROUP_ARGS panic=-1"
[ "${V2VM_QUIET:-1}" = 1 ] && APPEND="$APPEND quiet"
APPEND="$APPEND ${V2VM_APPEND:-}"
case "${V2VM_ACCEL:-tcg}" in
	kvm) ACCEL=(-enable-kvm -cpu host) ;;
	tcg) ACCEL=(-accel tcg -cpu "${V2VM_CPU:-qemu64}") ;;
	*) die "V2VM_ACCEL must be tcg or kvm" ;;
esac
LOG=$WORKDIR/serial.log
rm -f "$LOG"
start=$(date +%s.%N)
rc=0
timeout "$TIMEOUT" "$QEMU" "${ACCEL[@]}" -machine pc -m "${V2VM_MEM:-1024}" -smp "${V2VM_SMP:-2}" \
	-nodefaults -no-user-config -display none -serial "file:$LOG" -no-reboot \
	"${DRIVE[@]}" -kernel "$V2VM_KERNEL" -initrd "$INITRD" -append "$APPEND" </dev/null || rc=$?
took=$(elapsed "$start")
tr -d '\r' < "$LOG" || true
echo "v2vm: qemu exit $rc after ${took}s (mode $MODE, accel ${V2VM_ACCEL:-tcg}, initrd $(du -k "$INITRD" | cut -f1) KiB)"
[ "$rc" != 124 ] || echo "v2vm: TIMEOUT after ${TIMEOUT}s"
if grep -aq 'V2VM-RESULT: PASS' "$LOG"; then echo "v2vm: PASS"; exit 0; fi
echo "v2vm: FAIL (no 'V2VM-RESULT: PASS' line)"
exit 1
