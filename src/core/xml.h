// Escaping text for XML, HTML and SVG (Galapagos XML files, the HTML report).
#pragma once

#include <string>
#include <string_view>

namespace atl::core {

// Replaces &, <, >, " and ' by character references valid in XML and HTML alike.
inline std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace atl::core
