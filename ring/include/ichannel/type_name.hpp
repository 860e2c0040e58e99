// ichannel/type_name.hpp: the payload type name recorded in a channel header.
//
// Contract
// - PayloadTypeName<T>::value is a compile-time std::string_view naming T, derived from the
//   compiler's __PRETTY_FUNCTION__ ("ichannel::Tick"). A payload may specialise PayloadTypeName
//   to pin a stable name (recommended for types shared between compilers or renamed later):
//     template <> struct ichannel::PayloadTypeName<my::Quote> {
//       static constexpr std::string_view value = "my::Quote"; };
// - Names longer than layout::kTypeNameMax - 1 are rejected when a channel is created.
#pragma once

#include <string_view>

namespace ichannel {

namespace detail {
template <class T>
constexpr std::string_view pretty_type_name() noexcept {
  // GCC: "... pretty_type_name() [with T = ns::Type; std::string_view = ...]"
  // Clang: "... pretty_type_name() [T = ns::Type]"
  constexpr std::string_view p = __PRETTY_FUNCTION__;
  constexpr std::string_view key = "T = ";
  constexpr auto start = p.find(key) + key.size();
  constexpr auto end = p.find_first_of(";]", start);
  return p.substr(start, end - start);
}
}  // namespace detail

template <class T>
struct PayloadTypeName {
  static constexpr std::string_view value = detail::pretty_type_name<T>();
};

}  // namespace ichannel
