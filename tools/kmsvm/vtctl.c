/* vtctl: a small helper for the VM tests (runs inside the guest).
 *   vtctl mode TTY          prints "kd=text|graphics vt=auto|process" (KDGETMODE, VT_GETMODE)
 *   vtctl type TTY STRING   types STRING into TTY's input queue (TIOCSTI: keys for the
 *                           program reading that VT; needs CAP_SYS_ADMIN, root in the VM)
 * Exit status 0, or 1 with a message. */
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: vtctl mode TTY | vtctl type TTY STRING\n");
        return 2;
    }
    int fd = open(argv[2], O_RDWR | O_NOCTTY);
    if (fd < 0) {
        perror(argv[2]);
        return 1;
    }
    if (strcmp(argv[1], "mode") == 0) {
        int kd = -1;
        struct vt_mode vm;
        memset(&vm, 0, sizeof vm);
        if (ioctl(fd, KDGETMODE, &kd) != 0 || ioctl(fd, VT_GETMODE, &vm) != 0) {
            perror("KDGETMODE/VT_GETMODE");
            return 1;
        }
        printf("kd=%s vt=%s\n", kd == KD_TEXT ? "text" : kd == KD_GRAPHICS ? "graphics" : "other",
               vm.mode == VT_AUTO ? "auto" : vm.mode == VT_PROCESS ? "process" : "other");
        return 0;
    }
    if (strcmp(argv[1], "type") == 0 && argc > 3) {
        for (const char *s = argv[3]; *s; ++s)
            if (ioctl(fd, TIOCSTI, s) != 0) {
                perror("TIOCSTI");
                return 1;
            }
        return 0;
    }
    fprintf(stderr, "vtctl: unknown command %s\n", argv[1]);
    return 2;
}
