// Tokens of a Jinja template: the text between tags and the tokens inside {{ }} and {% %}, with
// whitespace control ({%- -%}, trim_blocks-style newlines) already applied. Private to src/tasks.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rightsize::jinja_detail {

enum class Tok { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End };

struct Token {
    Tok type;
    std::string text;
    size_t pos;
};

std::vector<Token> lex_template(std::string_view src, const std::string & name);

// 1-based line and column of a byte offset.
std::pair<int, int> line_col(std::string_view src, size_t pos);
// Throws rightsize::Error "<name>: line L, column C: msg".
[[noreturn]] void syntax_error(std::string_view src, const std::string & name, size_t pos, const std::string & msg);

}  // namespace rightsize::jinja_detail
