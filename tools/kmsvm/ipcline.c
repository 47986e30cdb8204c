/* ipcline: qv's IPC from inside the VM tests' guest (busybox has no Unix
 * socket client).
 *   ipcline SOCKET COMMAND...   connects to SOCKET (waiting up to 60 s for it
 *                               to appear), sends each COMMAND (a JSON line,
 *                               e.g. {"command":["frame-step"]}) and prints
 *                               the reply line to each before the next.
 * Exit status 0, or 1 with a message. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: ipcline SOCKET COMMAND...\n");
        return 2;
    }
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    int fd = -1;
    for (int i = 0; i < 1200 && fd < 0; ++i) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
            close(fd);
            fd = -1;
            usleep(50000);
        }
    }
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    FILE *in = fdopen(dup(fd), "r");
    char line[65536];
    for (int i = 2; i < argc; ++i) {
        size_t n = strlen(argv[i]);
        if (write(fd, argv[i], n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
            perror("write");
            return 1;
        }
        if (!fgets(line, sizeof line, in)) {
            fprintf(stderr, "ipcline: no reply to %s\n", argv[i]);
            return 1;
        }
        fputs(line, stdout);
        fflush(stdout);
    }
    return 0;
}
