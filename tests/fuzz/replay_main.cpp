// Replays files through a fuzz target's LLVMFuzzerTestOneInput, without
// libFuzzer: the regression test of every normal build. Arguments: files or
// directories (each file in them, sorted). A crash or a sanitizer report
// fails the test; a missing directory fails it too.
#include "fuzz.h"

#include <algorithm>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

int main(int argc, char **argv) {
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        struct stat st {};
        if (::stat(argv[i], &st) != 0) {
            std::fprintf(stderr, "%s: not found\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            files.push_back(argv[i]);
            continue;
        }
        DIR *d = ::opendir(argv[i]);
        std::vector<std::string> in;
        while (dirent *e = d ? ::readdir(d) : nullptr) {
            const std::string p = std::string(argv[i]) + "/" + e->d_name;
            if (e->d_name[0] != '.' && std::string(e->d_name) != "README.md" && ::stat(p.c_str(), &st) == 0 &&
                S_ISREG(st.st_mode))
                in.push_back(p);
        }
        if (d) ::closedir(d);
        std::sort(in.begin(), in.end());
        files.insert(files.end(), in.begin(), in.end());
    }
    for (const auto &f : files) {
        std::ifstream is(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
        std::fprintf(stderr, "replay %s (%zu bytes)\n", f.c_str(), bytes.size());
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
    }
    std::printf("%zu inputs replayed, none crashed\n", files.size());
    return 0;
}
