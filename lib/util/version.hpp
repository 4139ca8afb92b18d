#pragma once
// The tool's version and the git commit it was built from (stamped at build time).

namespace tb {

const char* tool_version();  // "0.1.0"
const char* git_sha();       // "1a2b3c4d5e6f", with "-dirty" for uncommitted changes, or "unknown"

}  // namespace tb
