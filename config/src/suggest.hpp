// config/src/suggest.hpp: "did you mean" for unknown keys and enumeration values.
//
// Contract
// - closest_match returns the candidate with the smallest edit distance (insert, delete,
//   substitute, swap of neighbours; case-insensitive) if that distance is small for the word
//   (at most 1 for words of up to 4 letters, else at most 2, never the whole word); else "".
// - Pure, cold path, allocates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ichannel::config {

[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

[[nodiscard]] std::string closest_match(std::string_view word,
                                        const std::vector<std::string_view>& candidates);

}  // namespace ichannel::config
