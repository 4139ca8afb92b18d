#pragma once
// Escaping text (model and variant names, error messages written by others) for the
// formats we export: Markdown, XML, CSV. Input is UTF-8; multi-byte sequences pass through.
#include <string>
#include <string_view>

namespace tb {

// Safe inside a line of a Markdown paragraph and in a GitHub table cell: the characters that
// start inline formatting (\ ` * _ [ ] ~ $) and the cell separator | get a backslash;
// < > & become entities (no HTML), @ becomes &#64; (no @-mentions in a pull request
// comment); line breaks and other control characters become spaces.
std::string escape_markdown(std::string_view text);

// Safe in XML 1.0 text and attribute values: & < > " ' as entities; the characters XML 1.0
// cannot carry at all (controls below 0x20 except tab, newline, carriage return; U+FFFE,
// U+FFFF) become '?'.
std::string escape_xml(std::string_view text);

// Safe to print on a terminal: control characters (ESC of colour and cursor sequences
// included) become '?', so that a name in a report written by someone else cannot rewrite
// the screen.
std::string printable(std::string_view text);

// One CSV field by RFC 4180: quoted (with "" for ") when it holds a comma, a quote, CR or
// LF, or starts or ends with a space; otherwise unchanged.
std::string csv_field(std::string_view text);

}  // namespace tb
