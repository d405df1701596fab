#include "core/table.h"

#include <gtest/gtest.h>

using namespace rightsize;

TEST(Table, AlignsColumnsByDisplayWidth) {
    Table t;
    t.header = {"model", "t/s"};
    t.right_align = {false, true};
    t.rows = {{"a", format_pm(12.345, 0.5, 1)}, {"longer-name", "3.0"}};
    const std::string text = t.to_text();
    EXPECT_EQ(text,
              "model               t/s\n"
              "-----------  ----------\n"
              "a            12.3 ± 0.5\n"
              "longer-name         3.0\n");
}

TEST(Table, CsvQuotesOnlyWhenNeeded) {
    Table t;
    t.header = {"name", "note"};
    t.rows = {{"x", "a,b"}, {"y", "say \"hi\""}, {"z", "plain"}};
    EXPECT_EQ(t.to_csv(), "name,note\nx,\"a,b\"\ny,\"say \"\"hi\"\"\"\nz,plain\n");
}

TEST(Table, MarkdownMarksRightAlignedColumns) {
    Table t;
    t.header = {"a", "b"};
    t.right_align = {false, true};
    t.rows = {{"1", "2"}};
    EXPECT_EQ(t.to_markdown(), "| a | b |\n| --- | ---: |\n| 1 | 2 |\n");
}
