// Escaping for Markdown, XML and CSV; aligned columns and number formats.
#include "catch.hpp"
#include "util/markup.hpp"
#include "util/text_table.hpp"

TEST_CASE("escape_markdown", "[markup]") {
  CHECK(tb::escape_markdown("fp32/batch=8") == "fp32/batch=8");
  CHECK(tb::escape_markdown("inference-mode") == "inference-mode");
  CHECK(tb::escape_markdown("a|b") == "a\\|b");
  CHECK(tb::escape_markdown("*bold* _it_ `code` [link](x) ~s~ $m$ \\") ==
        "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\~s\\~ \\$m\\$ \\\\");
  CHECK(tb::escape_markdown("<script>&amp;") == "&lt;script&gt;&amp;amp;");
  CHECK(tb::escape_markdown("@team") == "&#64;team");
  CHECK(tb::escape_markdown("two\nlines\r\tx") == "two lines  x");
  CHECK(tb::escape_markdown("ünïcode ±") == "ünïcode ±");
}

TEST_CASE("escape_xml", "[markup]") {
  CHECK(tb::escape_xml("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(tb::escape_xml(std::string("nul\0bell\x07", 9)) == "nul?bell?");
  CHECK(tb::escape_xml("tab\tnl\n") == "tab\tnl\n");
  CHECK(tb::escape_xml("\xEF\xBF\xBF|\xEF\xBF\xBE|\xEF\xBF\xBD") == "?|?|\xEF\xBF\xBD");  // U+FFFD stays
  CHECK(tb::escape_xml("ünïcode") == "ünïcode");
}

TEST_CASE("printable", "[markup]") {
  CHECK(tb::printable("\x1b[2Jclear\nline\ttab\x7f") == "?[2Jclear?line?tab?");
  CHECK(tb::printable("ünïcode ± ok") == "ünïcode ± ok");
}

TEST_CASE("csv_field", "[markup]") {
  CHECK(tb::csv_field("plain") == "plain");
  CHECK(tb::csv_field("") == "");
  CHECK(tb::csv_field("a,b") == "\"a,b\"");
  CHECK(tb::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(tb::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(tb::csv_field(" padded") == "\" padded\"");
}

TEST_CASE("align_columns and display_width", "[markup]") {
  CHECK(tb::display_width("±1") == 2);
  CHECK(tb::display_width("\x1b[1;31mslower\x1b[0m") == 6);
  const auto text = tb::align_columns({{"name", "ms"}, {"a", "1.5"}, {"\x1b[32mlonger\x1b[0m", "10.25"}}, {true});
  CHECK(text == "name       ms\na         1.5\n\x1b[32mlonger\x1b[0m  10.25\n");
}

TEST_CASE("format_number", "[markup]") {
  CHECK(tb::format_number(0) == "0");
  CHECK(tb::format_number(1234.6) == "1235");
  CHECK(tb::format_number(123.44) == "123.4");
  CHECK(tb::format_number(1.2345) == "1.23");
  CHECK(tb::format_number(0.012345) == "0.0123");
  CHECK(tb::format_number(0.00012) == "1.2e-04");
}
