// Chat templates for the in-process backend (llama_backend.h): the model's own Jinja template
// rendered as Hugging Face's apply_chat_template renders it (what lm-eval's chat mode uses), with
// llama.cpp's built-in renderings for templates rightsize's Jinja engine cannot run and for named
// built-ins (--chat-template chatml, Gemma GGUFs without a template).
#include "llama_impl.h"

#include <rightsize/error.h>

namespace rightsize {

using nlohmann::json;

namespace {

bool is_jinja(const std::string & t) { return t.find("{%") != std::string::npos || t.find("{{") != std::string::npos; }

std::string token_text(const llama_vocab * vocab, llama_token t) {
    if (t == LLAMA_TOKEN_NULL) return "";
    const char * text = llama_vocab_get_text(vocab, t);
    return text ? text : "";
}

json chat_context(std::span<const ChatMessage> messages, bool add_assistant, const llama_vocab * vocab) {
    json list = json::array();
    for (const auto & m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
    return {{"messages", list},
            {"add_generation_prompt", add_assistant},
            {"bos_token", token_text(vocab, llama_vocab_bos(vocab))},
            {"eos_token", token_text(vocab, llama_vocab_eos(vocab))}};
}

}  // namespace

void LlamaBackend::Impl::choose_chat_engine() {
    // --chat-template, else the model's own, else llama.cpp's built-in template for the model's
    // family where there is exactly one (Gemma GGUFs converted without tokenizer.chat_template).
    chat_source = options.chat_template.empty() ? facts.chat_template : options.chat_template;
    if (chat_source.empty() && facts.architecture.rfind("gemma", 0) == 0) chat_source = "gemma";
    if (chat_source.empty()) return;
    if (!is_jinja(chat_source)) {
        facts.chat_template_engine = "llama.cpp built-in '" + chat_source + "'";
        return;
    }
    try {
        Template t = Template::parse(chat_source, facts.path + ": tokenizer.chat_template");
        const std::vector<ChatMessage> probe = {{"system", "s"}, {"user", "u"}, {"assistant", "a"}, {"user", "u"}};
        (void)t.render(chat_context(probe, true, vocab));
        chat_jinja = std::move(t);
        facts.chat_template_engine = "jinja";
    } catch (const Error & e) {
        facts.chat_template_engine = std::string("llama.cpp built-in (the model's Jinja template uses what rightsize's Jinja lacks: ") +
                                     e.what() + ")";
    }
}

std::string LlamaBackend::apply_chat_template(std::span<const ChatMessage> messages, bool add_assistant) const {
    const Impl & d = *impl_;
    if (d.chat_source.empty()) {
        throw Error("model '" + d.facts.path + "' has no chat template (tokenizer.chat_template); pass --chat-template "
                    "NAME (a llama.cpp built-in such as chatml, llama3, gemma, mistral-v7) or run without chat formatting");
    }
    if (d.chat_jinja) return d.chat_jinja->render(chat_context(messages, add_assistant, d.vocab));
    std::vector<llama_chat_message> msgs;
    msgs.reserve(messages.size());
    size_t chars = 0;
    for (const auto & m : messages) {
        msgs.push_back({m.role.c_str(), m.content.c_str()});
        chars += m.role.size() + m.content.size();
    }
    std::string out(chars * 2 + 256, '\0');
    const char * tmpl = d.chat_source.c_str();
    int32_t n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), add_assistant, out.data(), int32_t(out.size()));
    if (n > int32_t(out.size())) {
        out.resize(size_t(n));
        n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), add_assistant, out.data(), int32_t(out.size()));
    }
    if (n < 0) {
        throw Error("the chat template of '" + d.facts.path + "' is neither one rightsize's Jinja engine can run (" +
                    d.facts.chat_template_engine + ") nor one llama.cpp recognises; pass --chat-template NAME (chatml, llama3, "
                    "gemma, …) or run without chat formatting");
    }
    out.resize(size_t(n));
    return out;
}

}  // namespace rightsize
