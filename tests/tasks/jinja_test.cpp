#include <rightsize/error.h>
#include <rightsize/jinja.h>

#include <gtest/gtest.h>

using namespace rightsize;
using nlohmann::json;

namespace {

std::string render(std::string_view source, const json & context = json::object()) {
    return Template::parse(source, "t").render(context);
}

json evaluate(std::string_view source, const json & context = json::object()) {
    return Template::parse(source, "t").evaluate(context);
}

// The message of the Error that parsing and rendering `source` throws ("" if none).
std::string error_of(std::string_view source, const json & context = json::object()) {
    try {
        render(source, context);
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

const json kArc = {
    {"id", "Mercury_1"},
    {"question", "Which is hot?"},
    {"choices", {{"label", {"A", "B", "C", "D"}}, {"text", {"ice", "fire", "snow", "rain"}}}},
    {"answerKey", "B"},
};

}  // namespace

// --- lm-eval templates ---------------------------------------------------------------------

TEST(Jinja, ArcDocToText) {
    EXPECT_EQ(render("Question: {{question}}\nAnswer:", kArc), "Question: Which is hot?\nAnswer:");
}

TEST(Jinja, ArcDocToTargetIsTheAnswerIndex) {
    const json v = evaluate("{{choices.label.index(answerKey)}}", kArc);
    EXPECT_TRUE(v.is_number_integer());
    EXPECT_EQ(v, 1);
    EXPECT_EQ(render("{{choices.label.index(answerKey)}}", kArc), "1");
}

TEST(Jinja, ArcDocToChoiceIsTheTextArray) {
    EXPECT_EQ(evaluate("{{choices.text}}", kArc), json({"ice", "fire", "snow", "rain"}));
    EXPECT_EQ(render("{{choices.text}}", kArc), "['ice', 'fire', 'snow', 'rain']");
}

TEST(Jinja, Boolq) {
    const json doc = {{"passage", "Cats purr."}, {"question", "do cats purr"}, {"label", true}};
    EXPECT_EQ(render("{{passage}}\nQuestion: {{question}}?\nAnswer:", doc),
              "Cats purr.\nQuestion: do cats purr?\nAnswer:");
    EXPECT_EQ(evaluate("{{['no', 'yes']}}", doc), json({"no", "yes"}));
    EXPECT_EQ(evaluate("{{label}}", doc), json(true));
}

TEST(Jinja, Gsm8kTarget) {
    const json doc = {{"answer", "Natalia sold 48/2 = 24 clips.\n#### 72"}};
    EXPECT_EQ(render("{{answer.split('####')[-1].strip()}}", doc), "72");
}

TEST(Jinja, MmluPrompt) {
    const json doc = {{"question", "  What is 2+2? "}, {"choices", {"1", "2", "3", "4"}}};
    EXPECT_EQ(render("{{question.strip()}}\nA. {{choices[0]}}\nB. {{choices[1]}}\nC. {{choices[2]}}\nD. "
                     "{{choices[3]}}\nAnswer:",
                     doc),
              "What is 2+2?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer:");
}

TEST(Jinja, LetteredChoicesLoop) {
    const json doc = {{"choices", {"x", "y", "z"}}};
    EXPECT_EQ(render("{% set n = choices|length %}{% for c in choices %}{{ 'ABCD'[loop.index0] }}. {{ c }}\n"
                     "{% endfor %}{{ n }}",
                     doc),
              "A. x\nB. y\nC. z\n3");
}

TEST(Jinja, ConditionalExpressionAndIntFilter) {
    EXPECT_EQ(render(R"({{ "yes" if label else "no" }})", {{"label", 0}}), "no");
    EXPECT_EQ(render(R"({{ "yes" if label else "no" }})", {{"label", 1}}), "yes");
    EXPECT_EQ(evaluate("{{ label|int }}", {{"label", "3"}}), 3);
    EXPECT_EQ(render("{{ '3.7'|int }} {{ 'abc'|int }} {{ 2.9|int }} {{ 'x'|int(-1) }} {{ none|int }}"), "3 0 2 -1 0");
}

TEST(Jinja, ParenthesisedComparisonPrintsABool) {
    EXPECT_EQ(render("{{ (answers.text|length > 0) }}", {{"answers", {{"text", {"a"}}}}}), "True");
    EXPECT_EQ(render("{{ (answers.text|length > 0) }}", {{"answers", {{"text", json::array()}}}}), "False");
}

TEST(Jinja, OptionalContext) {
    const std::string src = "{% if context %}{{context}}\n{% endif %}Q: {{question}}";
    EXPECT_EQ(render(src, {{"context", ""}, {"question", "q"}}), "Q: q");
    EXPECT_EQ(render(src, {{"context", "ctx"}, {"question", "q"}}), "ctx\nQ: q");
}

// --- printing values as Python's str() -----------------------------------------------------

TEST(Jinja, PythonReprOfContainers) {
    EXPECT_EQ(render(R"({{ ['a', "b'c"] }})"), R"(['a', "b'c"])");
    EXPECT_EQ(render(R"({{ ['it\'s "x"', 'tab\there'] }})"), R"(['it\'s "x"', 'tab\there'])");
    EXPECT_EQ(render("{{ {'k': 1, 'j': [1.0, none, true, False]} }}"), "{'j': [1.0, None, True, False], 'k': 1}");
    EXPECT_EQ(render("{{ (1, 'a') }} {{ [] }} {{ {} }}"), "[1, 'a'] [] {}");
    EXPECT_EQ(render("{{ x }}|{{ y }}|{{ z }}", {{"x", nullptr}, {"y", true}, {"z", false}}), "None|True|False");
}

TEST(Jinja, FloatsPrintLikePythonRepr) {
    const json doc = json::parse(R"({"a": 1.0, "b": 0.1, "c": 1e-05, "d": 1e16, "e": 123456789012345.0,
                                     "f": 0.0001, "g": 2.5e-7, "h": -0.0, "i": 3, "j": 1.5e300})");
    EXPECT_EQ(render("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}} {{i}} {{j}}", doc),
              "1.0 0.1 1e-05 1e+16 123456789012345.0 0.0001 2.5e-07 -0.0 3 1.5e+300");
    EXPECT_EQ(render("{{ 1 / 3 }} {{ 0.1 + 0.2 }} {{ 1e3 }}"), "0.3333333333333333 0.30000000000000004 1000.0");
}

TEST(Jinja, IntegersAndFloatsStayDistinct) {
    const json doc = json::parse(R"({"a": 3, "b": 3.0})");
    EXPECT_EQ(render("{{a}} {{b}}", doc), "3 3.0");
    EXPECT_TRUE(evaluate("{{a}}", doc).is_number_integer());
    EXPECT_TRUE(evaluate("{{b}}", doc).is_number_float());
    EXPECT_TRUE(evaluate("{{a * 2}}", doc).is_number_integer());
    EXPECT_TRUE(evaluate("{{b * 2}}", doc).is_number_float());
}

// --- expressions ---------------------------------------------------------------------------

TEST(Jinja, ArithmeticFollowsPython) {
    EXPECT_EQ(render("{{ 7 / 2 }} {{ 6 / 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ -5 % 2.5 }}"),
              "3.5 2.0 3 -4 2 -2 0.0");
    EXPECT_EQ(render("{{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1 + 2.5 }} {{ 7.0 // 2 }} {{ true + 1 }} {{ 10 - 2 * 3 }}"),
              "1024 0.5 3.5 3.0 2 4");
    EXPECT_EQ(render("{{ 'ab' * 3 }} {{ 2 * [0] }} {{ [1] + [2] }} {{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none }}"),
              "ababab [0, 0] [1, 2] ab a1None");
    // Jinja parses -2 ** 2 as (-2) ** 2, unlike Python.
    EXPECT_EQ(render("{{ -2 ** 2 }} {{ -x.y }}", {{"x", {{"y", 4}}}}), "4 -4");
}

TEST(Jinja, ArithmeticErrors) {
    EXPECT_EQ(error_of("a\n{{ 1 // 0 }}"), "t: line 2: integer division or modulo by zero");
    EXPECT_EQ(error_of("{{ 1 / 0.0 }}"), "t: line 1: float division by zero");
    EXPECT_EQ(error_of("{{ 'a' + 1 }}"), "t: line 1: unsupported operand types for +: 'str' and 'int'");
    EXPECT_EQ(error_of("{{ 'a' < 1 }}"), "t: line 1: '<' not supported between instances of 'str' and 'int'");
}

TEST(Jinja, LogicReturnsOperands) {
    EXPECT_EQ(render("{{ '' or 'x' }} {{ 'a' and 'b' }} {{ 0 and 1 }} {{ not [] }} {{ not 'a' }} {{ none or 0 }}"),
              "x b 0 True False 0");
    // The right side is not evaluated when the left decides.
    EXPECT_EQ(render("{{ true or missing }} {{ false and missing }}"), "True False");
}

TEST(Jinja, Comparisons) {
    EXPECT_EQ(render("{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}"),
              "True True True True False");
    EXPECT_EQ(render("{{ 1 != 2 }} {{ true == 1 }} {{ 'a' == 'A' }} {{ 2 >= 2 }} {{ [1] == [1.0] }}"),
              "True True False True True");
    EXPECT_EQ(render("{{ 'b' in 'abc' }} {{ 'x' not in ['a'] }} {{ 'k' in {'k': 1} }} {{ 2 in [1, 2.0] }}"),
              "True True True True");
}

TEST(Jinja, IndexingAndSlicing) {
    const json doc = {{"s", "hello"}, {"xs", {1, 2, 3, 4, 5}}};
    EXPECT_EQ(render("{{ s[0] }}{{ s[-1] }} {{ s[1:] }} {{ s[:-1] }} {{ s[::2] }} {{ s[::-1] }} {{ s[1:3] }}", doc),
              "ho ello hell hlo olleh el");
    EXPECT_EQ(render("{{ xs[1:3] }} {{ xs[-2:] }} {{ xs[10:] }} {{ xs[-100:1] }} {{ xs[3:0:-1] }}", doc),
              "[2, 3] [4, 5] [] [1] [4, 3, 2]");
}

TEST(Jinja, UnicodeStringsIndexByCharacter) {
    const json doc = {{"s", "h\xc3\xa9llo"}};  // "héllo"
    EXPECT_EQ(render("{{ s|length }} {{ s[1] }} {{ s[::-1] }} {{ s.find('l') }}", doc),
              "5 \xc3\xa9 oll\xc3\xa9h 2");
}

TEST(Jinja, AttributeAccessFallsBackToKeys) {
    const json doc = {{"doc", {{"title", "T"}, {"tags", {"x", "y"}}}}};
    EXPECT_EQ(render("{{ doc.title }} {{ doc['title'] }} {{ doc.tags.1 }} {{ doc['tags'][-1] }}", doc), "T T y y");
}

TEST(Jinja, StringLiteralsAndEscapes) {
    EXPECT_EQ(render(R"({{ 'a\nb\t\\\'' }}|{{ "say \"hi\"" }}|{{ 'x' 'y' }}|{{ '\u00e9' }})"),
              "a\nb\t\\'|say \"hi\"|xy|\xc3\xa9");
}

// --- methods -------------------------------------------------------------------------------

TEST(Jinja, StringStripAndSplit) {
    EXPECT_EQ(render("[{{ '  a b  '.strip() }}][{{ 'xxaxx'.lstrip('x') }}][{{ 'a \n'.rstrip() }}]"), "[a b][axx][a]");
    EXPECT_EQ(render("{{ '  a  b c '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ '  a b  c '.split(none, 1) }}"),
              "['a', 'b', 'c'] ['a', 'b,c'] ['a', 'b  c ']");
    EXPECT_EQ(render("{{ 'a,,b'.split(',') }} {{ ''.split() }} {{ ''.split(',') }}"), "['a', '', 'b'] [] ['']");
}

TEST(Jinja, StringCaseAndSearch) {
    EXPECT_EQ(render("{{ 'hello wORLD 3rd'.title() }}|{{ 'hello wORLD'.capitalize() }}|"
                     "{{ 'Ab'.lower() }}{{ 'Ab'.upper() }}"),
              "Hello World 3Rd|Hello world|abAB");
    EXPECT_EQ(render("{{ 'banana'.replace('a', 'o') }} {{ 'banana'.replace('a', 'o', 1) }} "
                     "{{ 'ab'.replace('', '-') }}"),
              "bonono bonana -a-b-");
    EXPECT_EQ(render("{{ 'hello'.find('l') }} {{ 'hello'.find('z') }} {{ 'hello'.rfind('l') }} "
                     "{{ 'hello'.index('e') }}"),
              "2 -1 3 1");
    EXPECT_EQ(render("{{ 'hello'.count('l') }} {{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }}"),
              "2 True True");
}

TEST(Jinja, StringJoinFormatAndPredicates) {
    EXPECT_EQ(render("{{ ', '.join(['a', 'b']) }}|{{ ''.join('xyz') }}"), "a, b|xyz");
    EXPECT_EQ(render("{{ '{} + {}'.format(1, 2.0) }}|{{ '{1}{0}'.format('a', 'b') }}|{{ '{n}!{{}}'.format(n=3) }}"),
              "1 + 2.0|ba|3!{}");
    EXPECT_EQ(render("{{ '123'.isdigit() }} {{ '12a'.isdigit() }} {{ ''.isdigit() }} {{ '7'.zfill(3) }} "
                     "{{ '-7'.zfill(3) }}"),
              "True False False 007 -07");
    EXPECT_EQ(error_of("{{ ', '.join([1, 2]) }}"),
              "t: line 1: join(): sequence item 0: expected str instance, int found");
}

TEST(Jinja, ListAndDictMethods) {
    const json doc = {{"xs", {1, 2, 2, 3}}, {"d", {{"b", 2}, {"a", 1}}}};
    EXPECT_EQ(render("{{ xs.count(2) }} {{ xs.index(3) }} {{ d.keys() }} {{ d.values() }} {{ d.items() }}", doc),
              "2 3 ['a', 'b'] [1, 2] [['a', 1], ['b', 2]]");
    EXPECT_EQ(render("{% for k, v in d.items() %}{{k}}={{v}};{% endfor %}", doc), "a=1;b=2;");
    EXPECT_EQ(render("{{ d.get('a') }} {{ d.get('z', 'none') }} {{ d.get('z') }}", doc), "1 none None");
}

TEST(Jinja, GlobalFunctions) {
    EXPECT_EQ(render("{{ range(3)|list }} {{ range(1, 10, 3) }} {{ range(3, 0, -1) }} {{ len('abc') }}"),
              "[0, 1, 2] [1, 4, 7] [3, 2, 1] 3");
    EXPECT_EQ(render("{{ str(1.5) + 'x' }} {{ int('42') + 1 }} {{ int(2.9) }} {{ float('1') }} "
                     "{{ chr(65) }}{{ ord('a') }}"),
              "1.5x 43 2 1.0 A97");
    EXPECT_EQ(error_of("{{ int('4.2') }}"), "t: line 1: invalid literal for int() with base 10: '4.2'");
}

// --- filters and tests ---------------------------------------------------------------------

TEST(Jinja, StringFilters) {
    EXPECT_EQ(render("{{ ['a', 'b']|join(', ') }} {{ [1, 2]|join }} {{ 'AbC'|lower }} {{ 'abc'|upper }} "
                     "[{{ ' x '|trim }}]"),
              "a, b 12 abc ABC [x]");
    EXPECT_EQ(render("{{ 'hELLO'|capitalize }} {{ 'hello wORLD'|title }} {{ '3rd place'|title }} "
                     "{{ 'aaa'|replace('a', 'b') }}"),
              "Hello Hello World 3rd Place bbb");
    EXPECT_EQ(render("{{ 'Hello, world! foo_bar'|wordcount }} {{ 'x'|safe }} {{ 3|string + 'x' }} {{ 'ab'|list }}"),
              "3 x 3x ['a', 'b']");
}

TEST(Jinja, NumericFilters) {
    EXPECT_EQ(render("{{ '2.5'|float }} {{ 'x'|float }} {{ -3|abs }} {{ -2.5|abs }} {{ 2.675|round(2) }}"),
              "2.5 0.0 3 2.5 2.67");
    // Python's round() is half-to-even and keeps ints as ints.
    EXPECT_EQ(render("{{ 2.5|round }} {{ 3.5|round }} {{ 3.7|round }} {{ 3|round }} {{ 2.1|round(method='ceil') }}"),
              "2.0 4.0 4.0 3 3.0");
}

TEST(Jinja, SequenceFilters) {
    const json doc = {{"items", {{{"n", "b"}, {"v", 2}}, {{"n", "a"}, {"v", 1}}}}};
    EXPECT_EQ(render("{{ items|map(attribute='n')|join(',') }} {{ items|sort(attribute='v')|map(attribute='n')|join }}",
                     doc),
              "b,a ab");
    EXPECT_EQ(render("{{ items|sum(attribute='v') }} {{ items|join('|', attribute='n') }} {{ items|length }}", doc),
              "3 b|a 2");
    EXPECT_EQ(render("{{ ['A', 'b']|map('lower')|list }} {{ ['b', 'A', 'c']|sort }} "
                     "{{ [3, 1, 2]|sort(reverse=true) }}"),
              "['a', 'b'] ['A', 'b', 'c'] [3, 2, 1]");
    EXPECT_EQ(render("{{ ['a', 'A', 'b']|unique|list }} {{ [1, 2, 3]|sum }} {{ [3, 1, 2]|max }} {{ ['b', 'A']|min }}"),
              "['a', 'b'] 6 3 A");
    EXPECT_EQ(render("{{ [1, 2]|reverse|list }} {{ 'abc'|reverse }} {{ [1, 2]|first }} {{ 'xyz'|last }} "
                     "{{ [1]|count }}"),
              "[2, 1] cba 1 z 1");
}

TEST(Jinja, DefaultFilter) {
    const json doc = {{"doc", {{"a", 1}}}, {"n", nullptr}};
    EXPECT_EQ(render("{{ missing|default('x') }} {{ missing|d('y') }} {{ n|default('x') }} {{ ''|default('x', true) }}",
                     doc),
              "x y None x");
    EXPECT_EQ(render("{{ doc.z|default('z') }} {{ doc.a|default('z') }} {{ [1][5]|default(0) }}", doc), "z 1 0");
}

TEST(Jinja, ToJson) {
    EXPECT_EQ(render("{{ {'b': [1, 2.5, none, true], 'a': \"it's <\xc3\xa9>\"}|tojson }}"),
              R"({"a": "it\u0027s \u003c\u00e9\u003e", "b": [1, 2.5, null, true]})");
}

TEST(Jinja, Tests) {
    const json doc = {{"doc", {{"a", 1}}}, {"n", nullptr}, {"s", "x"}};
    EXPECT_EQ(render("{{ doc is defined }} {{ missing is defined }} {{ doc.z is defined }} "
                     "{{ missing is not defined }}", doc),
              "True False False True");
    EXPECT_EQ(render("{{ n is none }} {{ s is string }} {{ 1.5 is number }} {{ s is number }} {{ doc is mapping }}",
                     doc),
              "True True True False True");
    EXPECT_EQ(render("{{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }} {{ 4 is even }} {{ 4 is odd }} "
                     "{{ 1 is in [1] }}"),
              "True False True False True");
}

// --- statements ----------------------------------------------------------------------------

TEST(Jinja, IfElifElse) {
    const std::string src = "{% if x > 1 %}big{% elif x == 1 %}one{% else %}small{% endif %}";
    EXPECT_EQ(render(src, {{"x", 5}}), "big");
    EXPECT_EQ(render(src, {{"x", 1}}), "one");
    EXPECT_EQ(render(src, {{"x", 0}}), "small");
}

TEST(Jinja, LoopObject) {
    EXPECT_EQ(render("{% for x in xs %}{{loop.index}}/{{loop.length}}{% if loop.first %}F{% endif %}"
                     "{% if loop.last %}L{% endif %}{{loop.revindex}} {% endfor %}",
                     {{"xs", {"a", "b", "c"}}}),
              "1/3F3 2/32 3/3L1 ");
}

TEST(Jinja, ForVariants) {
    EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
    EXPECT_EQ(render("{% for k in {'b': 1, 'a': 2} %}{{k}}{% endfor %}{% for c in 'hi' %}[{{c}}]{% endfor %}"),
              "ab[h][i]");
    // An inline if without else prints nothing when false, even under StrictUndefined.
    EXPECT_EQ(render("{% for x in range(10) if x is even %}{{x}}{{ ',' if not loop.last }}{% endfor %}"), "0,2,4,6,8");
    EXPECT_EQ(render("{% for a, b in [[1, 2], (3, 4)] %}{{a + b}} {% endfor %}"), "3 7 ");
    EXPECT_EQ(render("{% for row in [[1, 2], [3]] %}{% for x in row %}{{x}}{% endfor %};{% endfor %}"), "12;3;");
}

TEST(Jinja, SetIsScopedToTheLoop) {
    EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = i * 10 %}{{x}},{% endfor %}{{x}}"), "10,20,1");
    EXPECT_EQ(render("{% if true %}{% set y = 5 %}{% endif %}{{y}}"), "5");
    EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
}

TEST(Jinja, NamespaceCarriesStateOutOfALoop) {
    EXPECT_EQ(render("{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}"
                     "{% endfor %}{{ ns.total }}"),
              "6");
}

TEST(Jinja, SetBlock) {
    EXPECT_EQ(render("{% set greeting %}Hi {{name}}{% endset %}{{ greeting|upper }}", {{"name", "Bob"}}), "HI BOB");
}

TEST(Jinja, WhitespaceControlAndComments) {
    EXPECT_EQ(render("a  {{- x -}}  \n b", {{"x", 1}}), "a1b");
    EXPECT_EQ(render("{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}"), "12");
    EXPECT_EQ(render("{% for i in [1, 2] %}\n{{ i }}{% endfor %}"), "\n1\n2");
    EXPECT_EQ(render("a {#- note -#} b|a{# note #}b"), "ab|ab");
    EXPECT_EQ(render("x\n"), "x\n");  // keep_trailing_newline, as lm-eval configures Jinja
}

TEST(Jinja, RawBlock) {
    EXPECT_EQ(render("{% raw %}{{ not evaluated }}{% endraw %}!"), "{{ not evaluated }}!");
    EXPECT_EQ(render("a {%- raw -%}  {% x %}  {%- endraw %}"), "a{% x %}");
}

TEST(Jinja, NestedDictLiteralInsideAnExpression) {
    EXPECT_EQ(evaluate("{{ {'a': {'b': 1}} }}"), json::parse(R"({"a": {"b": 1}})"));
}

// --- evaluate() and the Template object ------------------------------------------------------

TEST(Jinja, EvaluateReturnsTextForMixedTemplates) {
    EXPECT_EQ(evaluate("Answer: {{x}}", {{"x", 1}}), json("Answer: 1"));
    EXPECT_EQ(evaluate("  {{ x }} \n", {{"x", 1}}), json(1));
    EXPECT_EQ(evaluate("{{ x }}{{ x }}", {{"x", 1}}), json("11"));
    EXPECT_EQ(evaluate("{{ x }}", {{"x", "s"}}), json("s"));
}

TEST(Jinja, CopiesShareTheParsedTemplate) {
    const Template a = Template::parse("{{ x }}!", "t");
    const Template b = a;  // NOLINT(performance-unnecessary-copy-initialization): the copy is under test
    Template c;
    EXPECT_EQ(c.render({}), "");
    c = b;
    EXPECT_EQ(c.source(), "{{ x }}!");
    EXPECT_EQ(c.render({{"x", 2}}), "2!");
    EXPECT_EQ(a.render({{"x", 1}}), "1!");
}

// --- error messages ------------------------------------------------------------------------

TEST(JinjaErrors, UndefinedVariableNamesTheDocumentsFields) {
    const json doc = {{"id", "x"}, {"question", "q"}, {"choices", {"a"}}};
    try {
        Template::parse("Question: {{question}}\n{{answerKey}}", "arc.yaml: doc_to_target").render(doc);
        FAIL();
    } catch (const Error & e) {
        EXPECT_STREQ(e.what(), "arc.yaml: doc_to_target: line 2: 'answerKey' is undefined; the document's fields "
                               "are: choices, id, question");
    }
}

TEST(JinjaErrors, MissingKeysAndIndices) {
    EXPECT_EQ(error_of("{{ choices.labels }}", kArc),
              "t: line 1: 'choices' has no key 'labels'; its keys are: label, text");
    EXPECT_EQ(error_of("{{ choices.text[4] }}", kArc),
              "t: line 1: index 4 is out of range for 'choices.text', which has 4 items");
    EXPECT_EQ(error_of("{{ choices.label.index('E') }}", kArc),
              "t: line 1: choices.label.index(): 'E' is not in the list ['A', 'B', 'C', 'D']");
    EXPECT_EQ(error_of("{{ []|first }}"), "t: line 1: 'first' of an empty sequence");
}

TEST(JinjaErrors, WrongTypesAndUnknownMethods) {
    EXPECT_EQ(error_of("\n\n{{ label.strip() }}", {{"label", 1}}),
              "t: line 3: 'label' is of type int, which has no method 'strip'");
    EXPECT_EQ(error_of("{{ s.shout() }}", {{"s", "x"}}).rfind("t: line 1: str has no method 'shout'; supported: ", 0),
              0u);
    EXPECT_EQ(error_of("{{ shout(1) }}").rfind("t: line 1: 'shout' is not a function; available: ", 0), 0u);
    EXPECT_EQ(error_of("{% for x in 3 %}{% endfor %}"), "t: line 1: 'int' object is not iterable");
    EXPECT_EQ(error_of("{{ 'abc'|upper(1) }}"), "t: line 1: filter 'upper' got too many arguments (1)");
}

TEST(JinjaErrors, UnclosedBlocks) {
    EXPECT_EQ(error_of("line 1\n  {% if x %}\nbody"),
              "t: line 2, column 3: '{% if %}' is never closed: add '{% endif %}'");
    EXPECT_EQ(error_of("{% for x in xs %}{% if x %}{% endfor %}"),
              "t: line 1, column 28: unexpected '{% endfor %}': the '{% if %}' on line 1 must be closed with "
              "'{% endif %}' first");
    EXPECT_EQ(error_of("{% endfor %}"), "t: line 1, column 1: '{% endfor %}' has no matching opening tag");
    EXPECT_EQ(error_of("ab\n{{ x "), "t: line 2, column 1: '{{' is never closed with '}}'");
    EXPECT_EQ(error_of("{# note"), "t: line 1, column 1: the comment '{#' is never closed with '#}'");
}

TEST(JinjaErrors, SyntaxErrors) {
    const std::string unknown_filter = error_of("{{ x | shout }}");
    EXPECT_EQ(unknown_filter.rfind("t: line 1, column 8: unknown filter 'shout'; supported filters are: abs, ", 0), 0u);
    EXPECT_EQ(error_of("{% include 'x' %}"),
              "t: line 1, column 1: unknown tag 'include'; supported tags are if, for, set and raw");
    EXPECT_EQ(error_of("{{ 1 + }}"), "t: line 1, column 8: expected an expression, found '}}'");
    EXPECT_EQ(error_of("{{ 'abc }}"), "t: line 1, column 4: the string literal is never closed");
    EXPECT_EQ(error_of("{% if x y %}{% endif %}"),
              "t: line 1, column 9: expected '%}' to end the '{% if %}' tag, found 'y'");
    EXPECT_EQ(error_of("{{ x $ }}"), "t: line 1, column 6: unexpected character '$'");
}
