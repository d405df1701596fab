#include "test_support.h"

#include "tasks/hellaswag.h"

using namespace rightsize;
using namespace rightsize::testing;

TEST(Hellaswag, PreprocessAsLmEval) {
    EXPECT_EQ(hellaswag_preprocess("  Making tea [title] Boil water. [step] Pour it.  "), "Making tea. Boil water. Pour it.");
    EXPECT_EQ(hellaswag_preprocess("a [header] b"), "a b");
    EXPECT_EQ(hellaswag_preprocess("three   spaces"), "three  spaces") << "one pass, as Python's replace";
    EXPECT_EQ(hellaswag_preprocess("open [bracket"), "open [bracket");
}

TEST(Hellaswag, ItemCapitalisesCtxBAndConvertsToSixLines) {
    const Document doc = {{"activity_label", "Pole vault"},
                          {"ctx_a", "A man runs with a pole."},
                          {"ctx_b", "then HE jumps"},
                          {"endings", {"over the bar.", "into [title] water.", "away\nfast.", "down."}},
                          {"label", 0}};
    const HellaswagItem it = hellaswag_item(doc);
    EXPECT_EQ(it.query, "Pole vault: A man runs with a pole. Then he jumps");
    EXPECT_EQ(it.choices[1], "into. water.");
    EXPECT_EQ(it.gold, 0);
    const std::string six = to_llama_perplexity_hellaswag({it});
    EXPECT_EQ(six, "Pole vault: A man runs with a pole. Then he jumps\n0\nover the bar.\ninto. water.\naway fast.\ndown.\n");
    Document bad = doc;
    bad["endings"] = {"only one"};
    EXPECT_NE(error_message([&] { hellaswag_item(bad); }).find("four strings"), std::string::npos);
    bad = doc;
    bad["label"] = "";
    EXPECT_NE(error_message([&] { hellaswag_item(bad); }).find("label"), std::string::npos);
}

TEST(Hellaswag, SharedSubsetConvertsCompletely) {
    const std::string path = std::string(RIGHTSIZE_SHARED_DATA) + "/hellaswag/hellaswag.jsonl";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "../shared/data not beside the project";
    std::vector<HellaswagItem> items;
    for (const auto & d : load_documents(path)) items.push_back(hellaswag_item(d));
    ASSERT_EQ(items.size(), 1000u);
    const std::string six = to_llama_perplexity_hellaswag(items);
    EXPECT_EQ(std::count(six.begin(), six.end(), '\n'), 6000);
    for (const auto & it : items) {
        EXPECT_EQ(it.query.find('['), std::string::npos) << it.query;
        EXPECT_EQ(it.query.find("  "), std::string::npos) << it.query;
    }
}
