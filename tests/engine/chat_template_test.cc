// Jinja semantics that chat templates rely on, each pinned to what Python
// Jinja2 in transformers' sandbox prints (the expected strings were checked
// against it), plus the limits that keep a hostile template from hanging or
// exhausting memory, and the loaders of a model's templates.
#include "engine/chat_template/chat_template.h"

#include <chrono>
#include <filesystem>
#include <string>

#include "engine/gguf_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;

absl::StatusOr<std::string> Render(std::string_view source, std::string_view context = "{}",
                                   const RenderOptions& options = {}) {
  absl::StatusOr<ChatTemplate> t = ChatTemplate::Parse(source, "t.jinja");
  if (!t.ok()) return t.status();
  return t->Render(Json::parse(context), options);
}

std::string Ok(std::string_view source, std::string_view context = "{}") {
  absl::StatusOr<std::string> r = Render(source, context);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : "<error>";
}

std::string Err(std::string_view source, std::string_view context = "{}", const RenderOptions& options = {}) {
  absl::StatusOr<std::string> r = Render(source, context, options);
  EXPECT_FALSE(r.ok()) << "rendered: " << (r.ok() ? *r : "");
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(ChatTemplateWhitespace, TrimAndLstripBlocks) {
  // lstrip_blocks removes the indentation before {% %}, trim_blocks the newline after.
  EXPECT_EQ(Ok("  {% if true %}\n  x\n  {% endif %}\n  {{ 'y' }}\n"), "  x\n  y");
  // {{ }} keeps its indentation; one trailing newline of the source is dropped.
  EXPECT_EQ(Ok("a\n  {{ 1 }}\n\n"), "a\n  1\n");
  // {%+ disables lstrip, +%} disables trim.
  EXPECT_EQ(Ok("  {%+ if true +%}\nx{% endif %}"), "  \nx");
  // - strips all whitespace (newlines included) on its side.
  EXPECT_EQ(Ok("a  \n {%- if true -%} \n b {%- endif %}"), "ab");
  EXPECT_EQ(Ok("a\n  {{- 1 -}}  \n b"), "a1b");
  // Comments take part in trimming.
  EXPECT_EQ(Ok("a\n  {# c #}\nb {#- c -#}  c"), "a\nbc");
  EXPECT_EQ(Ok("a\n{% raw %}{{ x }}{% endraw %}\nb"), "a\n{{ x }}b");
  EXPECT_EQ(Ok("a\r\n{% if true %}\r\nb\r\n{% endif %}"), "a\nb\n");
  EXPECT_EQ(Ok("{%- for i in range(3) -%}\n  {{ i }}\n{%- endfor %}\n\ntail\n"), "012\ntail");
}

TEST(ChatTemplateLoop, LoopVariables) {
  EXPECT_EQ(Ok("{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
               "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}"
               "{{ loop.previtem }}{{ loop.nextitem }}{{ loop.cycle('x','y') }};{% endfor %}"),
            "1032TrueFalse3bx;2121FalseFalse3acy;3210FalseTrue3bx;");
  // The `if` filter runs before counting; else runs when nothing is left.
  EXPECT_EQ(Ok("{% for x in [1,2,3,4,5] if x is odd %}{{ x }}/{{ loop.length }} {% endfor %}"), "1/3 3/3 5/3 ");
  EXPECT_EQ(Ok("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(Ok("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}"
               "{% endif %}{{ x }}{% endfor %}"),
            "0134");
  EXPECT_EQ(Ok("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
               R"({"d": {"b": 1, "a": 2}})"),
            "b=1;a=2;ba");
  EXPECT_EQ(Ok("{% for n in tree recursive %}[{{ n.name }}{{ loop.depth }}{{ loop(n.kids) if n.kids }}]{% endfor %}",
               R"({"tree": [{"name": "a", "kids": [{"name": "b", "kids": []}]}, {"name": "c"}]})"),
            "[a1[b2]][c1]");
  EXPECT_EQ(Ok("{% for x in 'ab' %}{% for y in [1] %}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}"), "1112");
}

TEST(ChatTemplateScope, SetInLoopsAndNamespaces) {
  // A set inside a loop body does not survive the iteration; a namespace does.
  EXPECT_EQ(Ok("{% set x = 0 %}{% for i in range(3) %}{{ x }}{% set x = x + 1 %}{{ x }},{% endfor %}{{ x }}"),
            "01,01,01,0");
  EXPECT_EQ(Ok("{% set ns = namespace(a=1, found=false) %}{% for i in range(3) %}{% set ns.a = ns.a + i %}"
               "{% if i == 1 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.a }} {{ ns.found }}"),
            "4 True");
  // if blocks do not open a scope.
  EXPECT_EQ(Ok("{% if true %}{% set z = 5 %}{% endif %}{{ z }}"), "5");
  EXPECT_EQ(Ok("{% with a = 1 %}{{ a }}{% endwith %}[{{ a }}]"), "1[]");
  // A macro reads the template's variables when it is called.
  EXPECT_EQ(Ok("{% set v = 1 %}{% macro m() %}{{ v }}{% endmacro %}{% set v = 2 %}{{ m() }}"), "2");
  EXPECT_THAT(Err("{% set x = 1 %}{% set x.a = 2 %}"), HasSubstr("non-namespace"));
  EXPECT_EQ(Ok("{% set a, b = [1, 2] %}{{ b }}{{ a }}{% set t %} {{ a + b }} {% endset %}[{{ t }}]"), "21[ 3 ]");
}

TEST(ChatTemplateMacro, DefaultsVarargsKwargsCaller) {
  EXPECT_EQ(Ok("{% macro m(a, b=a ~ '!', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m('x') }}|{{ m('x', c=1) }}"),
            "xx!None|xx!1");
  EXPECT_EQ(Ok("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}"), "1(2,){'k': 3}");
  EXPECT_EQ(Ok("{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}"), "[]");  // missing arguments are undefined
  EXPECT_THAT(Err("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"), HasSubstr("takes not more than 1 argument"));
  EXPECT_THAT(Err("{% macro m(a) %}{% endmacro %}{{ m(b=2) }}"), HasSubstr("no keyword argument 'b'"));
  EXPECT_EQ(Ok("{% macro wrap(x) %}<{{ caller(x) }}>{% endmacro %}{% call(v) wrap(5) %}v={{ v }}{% endcall %}"),
            "<v=5>");
  EXPECT_EQ(Ok("{% filter upper %}a{{ 'b' }}{% endfilter %}{% set s | trim %}  c  {% endset %}{{ s }}"), "ABc");
}

TEST(ChatTemplateValues, UndefinedAndNone) {
  EXPECT_EQ(Ok("[{{ missing }}][{{ d.nope }}][{{ none }}][{{ missing is defined }}][{{ d.nope is defined }}]",
               R"({"d": {}})"),
            "[][][None][False][False]");
  EXPECT_EQ(Ok("{{ missing|default('dflt') }} {{ none|default('x') }} {{ ''|default('e', true) }} {{ missing|length }}"),
            "dflt None e 0");
  EXPECT_EQ(Err("{{ missing.attr }}"), "t.jinja:1: 'missing' is undefined");
  EXPECT_EQ(Err("a\n{{ d.x.y }}", R"({"d": {}})"), "t.jinja:2: 'dict object' has no attribute 'x'");
  EXPECT_THAT(Err("{{ missing + 1 }}"), HasSubstr("'missing' is undefined"));
  EXPECT_EQ(Ok("{{ 'a' ~ missing ~ 'b' }}{% for x in missing %}x{% endfor %}"), "ab");
  EXPECT_EQ(Ok("{{ 1 if false }}|{{ tools is none }}|{{ tools is defined }}", R"({"tools": null})"), "|True|True");
}

TEST(ChatTemplateValues, PythonSemantics) {
  EXPECT_EQ(Ok("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 10 / 4 }} {{ 10 / 5 }} {{ 2 ** 10 }} {{ 1 + 2.0 }}"),
            "3 -4 2 2.5 2.0 1024 3.0");
  EXPECT_EQ(Ok("{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 100.0 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ '1' == 1 }}"),
            "0.30000000000000004 1e+16 1e-05 100.0 True True False");
  EXPECT_EQ(Ok("{{ 'héllo'[1] }} {{ 'héllo'[1:3] }} {{ 'abc'[::-1] }} {{ [1,2,3,4][-2:] }} {{ 'héllo'|length }}"),
            "é él cba [3, 4] 5");
  EXPECT_EQ(Ok("{{ [1, 'a', none, true, 1.5, {'k': (1, 2)}] }} {{ \"it's\" }} {{ ['it\\'s'] }}"),
            "[1, 'a', None, True, 1.5, {'k': (1, 2)}] it's [\"it's\"]");
  EXPECT_EQ(Ok("{{ 'a' in 'cat' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'abc' }}{{ 1 < 2 < 3 }}"),
            "TrueTrueTrueTrueTrue");
  EXPECT_EQ(Ok("{{ 1 and 'x' }} {{ 0 or [] }} {{ not none }} {{ 'ab' * 2 }} {{ [1] + [2] }}"), "x [] True abab [1, 2]");
  EXPECT_THAT(Err("{{ 1 < 'a' }}"), HasSubstr("'<' not supported between instances of 'int' and 'str'"));
  EXPECT_THAT(Err("{{ 1 / 0 }}"), HasSubstr("division by zero"));
}

TEST(ChatTemplateValues, StringMethodsAndFilters) {
  EXPECT_EQ(Ok("{{ '\\n\\nx\\n'.strip('\\n') }}|{{ '<think>a</think>\\n\\nb'.split('</think>')[-1].lstrip('\\n') }}|"
               "{{ '  a  b '.split() }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'x'.join(['a', 'b']) }}|"
               "{{ 'abc'.startswith(('z', 'a')) }}|{{ 'hello world'.title() }}|{{ 'aXb'.replace('X', '-') }}"),
            "x|b|['a', 'b']|['a,b', 'c']|axb|True|Hello World|a-b");
  EXPECT_EQ(Ok("{{ 'hello wORLD'|title }} {{ 'hELLO'|capitalize }} {{ '  x '|trim }} {{ 'ab'|upper }}"
               " {{ [3, 1, 2]|sort|join(',') }} {{ ['b', 'A']|sort }} {{ [1, 2, 2]|unique|list }}"),
            "Hello World Hello x AB 1,2,3 ['A', 'b'] [1, 2]");
  EXPECT_EQ(Ok("{{ ms|selectattr('role', 'equalto', 'user')|list|length }} "
               "{{ ms|map(attribute='role')|join(',') }} {{ ms|rejectattr('role', 'eq', 'user')|list }}",
               R"({"ms": [{"role": "user"}, {"role": "assistant"}]})"),
            "1 user,assistant [{'role': 'assistant'}]");
  EXPECT_EQ(Ok("{{ [1,2,3]|first }}{{ [1,2,3]|last }}{{ [1,2,3]|sum }}{{ [1,5,3]|max }}{{ -3|abs }}"
               " {{ 2.5|round }} {{ 2.567|round(2) }} {{ '4.7'|int }} {{ 'x'|int }} {{ '3.5'|float }}"),
            "13653 2.0 2.57 4 0 3.5");
  EXPECT_EQ(Ok("{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a b  c'|wordcount }}|{{ [1,2,3]|batch(2)|list }}|"
               "{{ {'b': 1, 'a': 2}|dictsort }}|{{ '%s=%d' % ('x', 3) }}|{{ '{}-{n}'.format(1, n=2) }}"),
            "a\n  b\n\n  c|3|[[1, 2], [3]]|[('a', 2), ('b', 1)]|x=3|1-2");
}

TEST(ChatTemplateValues, ToJsonIsPythonJsonDumps) {
  const char* ctx = R"({"x": {"s": "é \"q\"\n\u0001", "f": 1.0, "i": -3, "n": null, "t": true, "l": [], "o": {}}})";
  EXPECT_EQ(Ok("{{ x|tojson }}", ctx),
            R"({"s": "é \"q\"\n\u0001", "f": 1.0, "i": -3, "n": null, "t": true, "l": [], "o": {}})");
  EXPECT_EQ(Ok("{{ x|tojson(ensure_ascii=true) }}", R"({"x": "é😀"})"), R"("\u00e9\ud83d\ude00")");
  EXPECT_EQ(Ok("{{ {'a': [1, 2], 'b': {}}|tojson(indent=2) }}"), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(Ok("{{ [1, {'a': 2}]|tojson(separators=(',', ':')) }} {{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}"),
            R"([1,{"a":2}] {"a": 2, "b": 1})");
  EXPECT_THAT(Err("{{ missing|tojson }}"), HasSubstr("Object of type Undefined is not JSON serializable"));
}

TEST(ChatTemplateSandbox, MutationIsRefusedAndGlobalsWork) {
  EXPECT_THAT(Err("{% set l = [1] %}{{ l.append(2) }}"), HasSubstr("access to attribute 'append' of 'list' object is unsafe"));
  EXPECT_THAT(Err("{{ d.update({}) }}", R"({"d": {}})"), HasSubstr("'update' of 'dict' object is unsafe"));
  EXPECT_EQ(Ok("{{ d.keys()|list }}{{ d.get('z', 3) }}{{ d['items'] }}", R"({"d": {"items": 1}})"), "['items']31");
  EXPECT_EQ(Err("a\nb {{ raise_exception('Roles must alternate') }}"), "t.jinja:2: Roles must alternate");
  RenderOptions o;
  std::tm tm{};
  tm.tm_year = 124;
  tm.tm_mon = 6;
  tm.tm_mday = 26;
  o.now = tm;
  absl::StatusOr<std::string> date = Render("{{ strftime_now('%d %b %Y') }}", "{}", o);
  ASSERT_TRUE(date.ok()) << date.status();
  EXPECT_EQ(*date, "26 Jul 2024");
  EXPECT_EQ(Ok("{% generation %}gen{% endgeneration %}|{{ range(3)|list }}|{{ dict(a=1) }}"), "gen|[0, 1, 2]|{'a': 1}");
  EXPECT_THAT(Err("{{ range(100001)|length }}"), HasSubstr("MAX_RANGE (100000)"));
  // Markup from |safe escapes what is added to it (functionary's template relies on this); ~ does not.
  EXPECT_EQ(Ok("{{ 'a<'|safe + '<b>' }}|{{ ('x'|safe + '<') is escaped }}|{{ 'a'|safe ~ '<' }}|{{ '<'|e }}"),
            "a<&lt;b&gt;|True|a<|&lt;");
  // Generators (map/select/...) are always true, have no len() and are not JSON.
  EXPECT_EQ(Ok("{{ 'yes' if [1]|select('gt', 5) else 'no' }} {{ [1, 2]|map('string')|list }} {{ none|select|list }}"),
            "yes ['1', '2'] []");
  EXPECT_THAT(Err("{{ [1]|select|length }}"), HasSubstr("object of type 'generator' has no len()"));
  EXPECT_THAT(Err("{{ [1]|map('string')|tojson }}"), HasSubstr("Object of type generator is not JSON serializable"));
  EXPECT_EQ(Ok("{{ d.items() }} {{ [1, 2]|reverse|list }}", R"({"d": {"k": 1}})"), "dict_items([('k', 1)]) [2, 1]");
  // Unknown filters inside an if only fail when evaluated, as in Jinja's soft frames.
  EXPECT_EQ(Ok("{% if false %}{{ x|from_json }}{% endif %}ok"), "ok");
  EXPECT_THAT(Err("{% if true %}{{ x|from_json }}{% endif %}"), HasSubstr("No filter named 'from_json' found."));
}

TEST(ChatTemplateErrors, ParseErrorsNameTheLine) {
  EXPECT_THAT(std::string(ChatTemplate::Parse("a\n{% include 'x' %}", "f.jinja").status().message()),
              HasSubstr("f.jinja:2: encountered unknown tag 'include'"));
  EXPECT_THAT(std::string(ChatTemplate::Parse("{{ x|nofilter }}", "f.jinja").status().message()),
              HasSubstr("f.jinja:1: no filter named 'nofilter'"));
  EXPECT_THAT(std::string(ChatTemplate::Parse("\n\n{% if x %}", "f.jinja").status().message()),
              HasSubstr("a block opened on line 3 is missing one of: elif, else, endif"));
  EXPECT_THAT(std::string(ChatTemplate::Parse("{{ 'x ", "f.jinja").status().message()), HasSubstr("f.jinja:1:"));
  EXPECT_THAT(std::string(ChatTemplate::Parse("{% break %}", "f.jinja").status().message()), HasSubstr("outside"));
  EXPECT_FALSE(ChatTemplate::Parse("\xff\xfe", "f.jinja").ok());
}

TEST(ChatTemplateLimits, HostileTemplatesFailWithinLimits) {
  RenderOptions small;
  small.limits.max_steps = 2'000'000;
  auto start = std::chrono::steady_clock::now();
  // 9 million iterations: stopped by the step budget.
  EXPECT_THAT(Err("{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}", "{}", small),
              HasSubstr("evaluation steps"));
  // Doubling a string: stopped by the allocation budget before memory runs out.
  RenderOptions tight;
  tight.limits.max_allocated_bytes = 64 << 20;
  EXPECT_THAT(Err("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                  "{}", tight),
              HasSubstr("bytes of data"));
  EXPECT_THAT(Err("{{ 'x' * 1000000000000 }}"), HasSubstr("bytes of data"));
  EXPECT_THAT(Err("{{ 'xy' * 1000000000000 }}"), HasSubstr("too large"));
  // Unbounded recursion.
  EXPECT_THAT(Err("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), HasSubstr("nested deeper"));
  // Output beyond the limit.
  RenderOptions out_limit;
  out_limit.limits.max_output_bytes = 1000;
  EXPECT_THAT(Err("{% for i in range(10000) %}xxxxxxxxxx{% endfor %}", "{}", out_limit), HasSubstr("output exceeds"));
  // Values nested without bound.
  EXPECT_THAT(Err("{% set ns = namespace(v=[]) %}{% for i in range(5000) %}{% set ns.v = [ns.v] %}{% endfor %}"),
              HasSubstr("nesting too deep"));
  // Wall clock.
  RenderOptions slow;
  slow.limits.max_seconds = 0.2;
  EXPECT_THAT(Err("{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}", "{}", slow),
              ::testing::AnyOf(HasSubstr("exceeded 0.2 s"), HasSubstr("bytes")));
  // A context nested deeper than values may be is refused, not recursed into.
  std::string deep_json = std::string(100000, '[') + std::string(100000, ']');
  absl::StatusOr<ChatTemplate> plain = ChatTemplate::Parse("{{ x }}", "p");
  ASSERT_TRUE(plain.ok());
  absl::StatusOr<std::string> r = plain->Render(Json::parse("{\"x\": " + deep_json + "}"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nests deeper"));
  // Deeply nested source is a parse error, not a stack overflow.
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_THAT(std::string(ChatTemplate::Parse(deep, "d").status().message()), HasSubstr("nesting too deep"));
  std::string deep_blocks;
  for (int i = 0; i < 1000; ++i) deep_blocks += "{% if true %}";
  EXPECT_FALSE(ChatTemplate::Parse(deep_blocks, "d").ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(ChatTemplateLoader, HfFolderTokenizerConfigAndJinjaFile) {
  std::string dir = testing::MakeTempDir("chat-hf");
  testing::WriteFile(dir + "/tokenizer_config.json", R"({
    "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
    "chat_template": [{"name": "default", "template": "D{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"},
                      {"name": "tool_use", "template": "T{{ tools|length }}"}]})");
  absl::StatusOr<ModelChatTemplates> m = LoadChatTemplates(dir);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->templates.size(), 2u);
  ASSERT_NE(m->SpecialToken("bos_token"), nullptr);
  EXPECT_EQ(*m->SpecialToken("bos_token"), "<s>");
  EXPECT_EQ(m->SpecialToken("pad_token"), nullptr);
  ChatRequest req;
  req.messages = Json::parse(R"([{"role": "user", "content": "hi"}])");
  absl::StatusOr<std::string> text = RenderChat(*m, req);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "D<s>hi</s>");
  req.tools = Json::parse(R"([{"type": "function"}])");
  text = RenderChat(*m, req);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "T1");
  // chat_template.jinja beside it wins, as in transformers.
  testing::WriteFile(dir + "/chat_template.jinja", "J{{ messages|length }}\n");
  m = LoadChatTemplates(dir + "/tokenizer_config.json");
  ASSERT_TRUE(m.ok()) << m.status();
  text = RenderChat(*m, req);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "J1");
}

TEST(ChatTemplateLoader, BadFoldersAreClearErrors) {
  std::string dir = testing::MakeTempDir("chat-bad");
  EXPECT_THAT(std::string(LoadChatTemplates(dir).status().message()), HasSubstr("no chat template"));
  testing::WriteFile(dir + "/tokenizer_config.json", "{\n \"chat_template\": 3,\n}");
  EXPECT_THAT(std::string(LoadChatTemplates(dir).status().message()), HasSubstr("invalid JSON"));
  testing::WriteFile(dir + "/tokenizer_config.json", R"({"chat_template": "{% if %}"})");
  EXPECT_THAT(std::string(LoadChatTemplates(dir).status().message()), HasSubstr("tokenizer_config.json[chat_template]:1:"));
  EXPECT_FALSE(LoadChatTemplates(dir + "/nope").ok());
}

TEST(ChatTemplateLoader, GgufEmbeddedTemplateAndTokens) {
  std::string dir = testing::MakeTempDir("chat-gguf");
  GgufWriter w;
  w.AddString("general.architecture", "llama");
  w.AddString("tokenizer.chat_template", "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}");
  w.AddStringArray("tokenizer.ggml.tokens", {"<unk>", "<|begin|>", "<|end|>"});
  w.AddUint32("tokenizer.ggml.bos_token_id", 1);
  w.AddUint32("tokenizer.ggml.eos_token_id", 2);
  ASSERT_TRUE(w.WriteFile(dir + "/m.gguf").ok());
  absl::StatusOr<ModelChatTemplates> m = LoadChatTemplates(dir + "/m.gguf");
  ASSERT_TRUE(m.ok()) << m.status();
  ChatRequest req;
  req.messages = Json::parse(R"([{"role": "user", "content": "hi"}])");
  absl::StatusOr<std::string> text = RenderChat(*m, req);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "<|begin|>hi<|end|>");

  GgufWriter bad;
  bad.AddString("general.architecture", "llama");
  ASSERT_TRUE(bad.WriteFile(dir + "/none.gguf").ok());
  EXPECT_THAT(std::string(LoadChatTemplates(dir + "/none.gguf").status().message()),
              HasSubstr("tokenizer.chat_template"));
}

}  // namespace
}  // namespace doomscope::engine
