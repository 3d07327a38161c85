// The dynamic-range text format (CONTRACTS.md §4, last item): ranges set by hand or by another
// tool, no calibration involved. One `<tensor name>:<amax as decimal>` per line; a line is split
// at its last ':', so names may contain ':'.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace int8rt {

// Shortest decimal that reads back to the same float (e.g. "conv1:2.5\n").
std::string writeDynamicRanges(const std::vector<std::pair<std::string, float>>& ranges);

// Throws Error "<source>:<line>: <reason>" on a line without ':', an empty name, a value that
// is not a complete decimal number, NaN, Inf, a negative value, or a duplicate name. Blank lines
// and CRLF endings are tolerated; blanks around the number are ignored.
std::vector<std::pair<std::string, float>> parseDynamicRanges(std::string_view text,
                                                              const std::string& source);

}  // namespace int8rt
