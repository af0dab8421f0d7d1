#include "strait/base/text.h"

#include <gtest/gtest.h>

namespace strait {
namespace {

TEST(Printable, KeepsPrintableAsciiAndEscapesEverythingElse) {
  EXPECT_EQ(printable("SASL authentication error: invalid credentials"),
            "SASL authentication error: invalid credentials");
  // An escape sequence that would recolour a terminal, a newline that would
  // forge a log line, a backslash that would forge an escape, UTF-8 bytes.
  EXPECT_EQ(printable("a\x1b[31mb\nc\\d\xc3\xa9"), "a\\x1b[31mb\\x0ac\\x5cd\\xc3\\xa9");
  EXPECT_EQ(printable(std::string_view("n\0l", 3)), "n\\x00l");
}

TEST(Printable, CutsLongTextAtTheLimit) {
  EXPECT_EQ(printable(std::string(10, 'x'), 4), "xxxx...");
  EXPECT_EQ(printable(std::string(4, 'x'), 4), "xxxx");
}

TEST(SingleLine, EscapesControlsAndNonAsciiButKeepsBackslashes) {
  EXPECT_EQ(single_line("topic_regex: invalid regex: missing ): orders\\..*("),
            "topic_regex: invalid regex: missing ): orders\\..*(");
  // A link name that tried to forge a row of `straitctl audit`.
  EXPECT_EQ(single_line("x\x1b[2J\n   99  2026-01-01 forged\r\xc2\x9b"),
            "x\\x1b[2J\\x0a   99  2026-01-01 forged\\x0d\\xc2\\x9b");
  EXPECT_EQ(single_line(std::string(10, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace strait
