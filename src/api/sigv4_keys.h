// Where `sluice serve` finds the keys it accepts signatures from: a file named with
// --credentials and the SLUICE_ACCESS_KEY_ID / SLUICE_SECRET_ACCESS_KEY (and optional
// SLUICE_SESSION_TOKEN) environment variables. No keys: requests are not checked.
//
// The file is either JSON, one object or a list of objects with "AccessKeyId",
// "SecretAccessKey" and optionally "SessionToken" (the shape `aws sts` prints), or text, one
// key a line: ACCESS_KEY_ID SECRET_ACCESS_KEY [SESSION_TOKEN], blank lines and lines starting
// with '#' skipped.
#pragma once

#include "api/sigv4.h"
#include "base/result.h"

#include <filesystem>
#include <string_view>

namespace sluice {

Result<SigV4Keys> ParseSigV4Keys(std::string_view text, std::string_view where);
Result<SigV4Keys> LoadSigV4Keys(const std::filesystem::path& file);

// Adds the key the environment names, if any; an id without a secret (or the reverse) is an
// error naming the variable that is missing.
Result<bool> AddSigV4KeyFromEnvironment(SigV4Keys& keys);

}  // namespace sluice
