// Small file-system questions the loaders ask about user-given paths.
#ifndef DOOMSCOPE_ENGINE_FILE_PATHS_H_
#define DOOMSCOPE_ENGINE_FILE_PATHS_H_

#include <string>

namespace doomscope::engine {

bool IsRegularFile(const std::string& path);
bool IsDirectory(const std::string& path);
// The folder part of `path` ("." when it has none).
std::string DirectoryOf(const std::string& path);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_FILE_PATHS_H_
