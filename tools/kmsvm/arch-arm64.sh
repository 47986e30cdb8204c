# kmsvm.sh --arch arm64: an aarch64 guest on QEMU's virt machine (sourced by
# kmsvm.sh after its options are read). Always TCG (a foreign CPU), the
# console on the PL011 (ttyAMA0), the control channel on a virtio serial
# port (virt has one UART), PCI for virtio-gpu-pci and the --guest-out disk.
# The kernel (-k, an arm64 Image or Image.gz), its module tree (--modules)
# and a static arm64 busybox ($KMSVM_BUSYBOX) come from the caller
# (tools/cross/arm64-vm.sh fetches Debian's). Shared libraries are resolved
# from the ELF files' NEEDED entries in Debian's arm64 multiarch directories
# (ldd cannot run a foreign binary).
[ -n "$kernel" ] || fail "--arch arm64 needs -k (an arm64 kernel) and --modules"
[ -n "${KMSVM_BUSYBOX:-}" ] || fail "--arch arm64 needs KMSVM_BUSYBOX (a static arm64 busybox)"
qemu_bin=qemu-system-aarch64
# cortex-a72: no pointer authentication, which TCG emulates slowly.
machine_args=(-machine virt -cpu cortex-a72)
console=ttyAMA0 ctl_dev= ctl_name=kmsvm.ctl   # the port's /dev node is found by name
ctl_args=(-device virtio-serial-pci -device virtserialport,chardev=ctl,name=kmsvm.ctl)
arch_mods=(virtio_pci virtio_console)
lib_dir=/usr/lib/aarch64-linux-gnu
busybox_candidates=("$KMSVM_BUSYBOX")
[ "$accel" = auto ] && accel=tcg
KMSVM_NO_PVH=1

elf_deps() { # the interpreter and the shared-library closure of ELF $1
	local todo=("$1") seen=" " f n d dirs
	LC_ALL=C readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p'
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}; todo=("${todo[@]:1}")
		# its RUNPATH/RPATH first (libpulse keeps libpulsecommon in a subdirectory)
		dirs=$(LC_ALL=C readelf -d "$f" 2>/dev/null | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p' | tr ':' ' ')
		for n in $(LC_ALL=C readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen in *" $n "*) continue ;; esac
			seen+="$n "
			for d in $dirs /usr/lib/aarch64-linux-gnu /lib/aarch64-linux-gnu; do
				if [ -e "$d/$n" ]; then echo "$d/$n"; todo+=("$d/$n"); break; fi
			done
		done
	done
}
