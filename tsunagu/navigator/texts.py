"""The navigator's words in its three languages, each written for its reader.

- ja: plain, polite Japanese for residents.
- easy: やさしい日本語 — short sentences, one idea each, common words, furigana on every kanji. Ruby is written
  inline as {漢字|かんじ} and rendered to <ruby> by the `ruby` template filter.
- en: English for residents who do not read Japanese; names of windows stay in Japanese (that is what the
  resident will see on the door and say on the phone), with an English description beside them.
"""

from __future__ import annotations

LANGS = ("ja", "easy", "en")
LANG_NAMES = {"ja": "日本語", "easy": "やさしい にほんご", "en": "English"}
HTML_LANG = {"ja": "ja", "easy": "ja", "en": "en"}

T: dict[str, dict[str, str]] = {
    "title": {"ja": "相談先ナビ", "easy": "{相談|そうだん}ナビ", "en": "Where to get help"},
    "lead": {
        "ja": "困りごとを選ぶか、ご自分の言葉で書いてください。{city}で相談できる窓口をご案内します。"
        "名前や住所は入力しません。書いた内容は保存されません。",
        "easy": "{困|こま}っていることを {選|えら}んでください。{自分|じぶん}の {言葉|ことば}で {書|か}いても いいです。"
        "{city}の {相談|そうだん}できる ところを {教|おし}えます。{名前|なまえ}や {住所|じゅうしょ}は {書|か}きません。"
        "{書|か}いたことは {残|のこ}りません。",
        "en": "Choose what you are worried about, or write it in your own words. We will show where you can get"
        " help in {city}. Do not enter your name or address. What you write is not saved.",
    },
    "choose_city": {
        "ja": "市町村を選んでください",
        "easy": "{市|し}や {町|まち}を {選|えら}んでください",
        "en": "Choose your city or town",
    },
    "no_city": {
        "ja": "まだ案内できる市町村がありません。",
        "easy": "まだ {使|つか}えません。",
        "en": "No city or town has been set up yet.",
    },
    "language": {"ja": "言語", "easy": "ことば", "en": "Language"},
    "who_q": {
        "ja": "相談したいのは、どなたのことですか",
        "easy": "だれの ことですか",
        "en": "Who needs help?",
    },
    "who_self": {"ja": "自分のこと", "easy": "{自分|じぶん}", "en": "Myself"},
    "who_family": {"ja": "家族のこと", "easy": "{家族|かぞく}", "en": "Someone in my family"},
    "who_other": {
        "ja": "知人・近所の人のこと",
        "easy": "{知|し}っている {人|ひと}・{近|ちか}くに {住|す}む {人|ひと}",
        "en": "A friend or neighbour",
    },
    "age_q": {"ja": "その方の年齢", "easy": "その {人|ひと}は {何歳|なんさい}ですか", "en": "Their age"},
    "age_child": {"ja": "18歳未満", "easy": "17{歳|さい}まで", "en": "Under 18"},
    "age_young": {"ja": "18〜39歳", "easy": "18〜39{歳|さい}", "en": "18–39"},
    "age_middle": {"ja": "40〜64歳", "easy": "40〜64{歳|さい}", "en": "40–64"},
    "age_elderly": {"ja": "65歳以上", "easy": "65{歳|さい}より {上|うえ}", "en": "65 or older"},
    "age_unknown": {"ja": "わからない・答えない", "easy": "わからない", "en": "Not sure / prefer not to say"},
    "area_q": {
        "ja": "お住まいの地区（わかれば）",
        "easy": "{住|す}んでいる ところ（わかれば）",
        "en": "Your area (if you know it)",
    },
    "area_any": {"ja": "選ばない", "easy": "えらばない", "en": "Not chosen"},
    "pick_h": {
        "ja": "困りごとを選ぶ",
        "easy": "{困|こま}っていることを {選|えら}ぶ",
        "en": "Choose what you are worried about",
    },
    "pick_hint": {
        "ja": "当てはまるものをいくつでも選べます。",
        "easy": "いくつ {選|えら}んでも いいです。",
        "en": "Choose as many as apply.",
    },
    "write_h": {
        "ja": "自分の言葉で書く",
        "easy": "{自分|じぶん}の {言葉|ことば}で {書|か}く",
        "en": "Write it in your own words",
    },
    "write_hint": {
        "ja": "話し言葉のままで大丈夫です。例：「母が物忘れがひどく、介護に疲れています」",
        "easy": "{話|はな}す ように {書|か}いて いいです。{例|れい}：「お{金|かね}が ありません」",
        "en": "Write as you would say it. Example: “My mother is getting forgetful and I am exhausted from caring for her.”",
    },
    "write_label": {"ja": "困っていること", "easy": "{困|こま}っている こと", "en": "What is worrying you"},
    "find": {
        "ja": "相談先をさがす",
        "easy": "{相談|そうだん}する ところを さがす",
        "en": "Find where to get help",
    },
    "read": {"ja": "内容を読み取る", "easy": "{読|よ}んで もらう", "en": "Read my words"},
    "understood_h": {
        "ja": "こう受け止めました",
        "easy": "こう わかりました",
        "en": "This is what we understood",
    },
    "understood_hint": {
        "ja": "違っていたら、チェックを付けたり外したりしてください。",
        "easy": "ちがう ときは、チェックを {直|なお}してください。",
        "en": "If this is not right, tick or untick the boxes.",
    },
    "unsure": {
        "ja": "うまく読み取れませんでした。どこに相談してよいかわからないときは、下の総合的な相談窓口にご相談ください。"
        "どんな困りごとも受け止め、必要な窓口につなぎます。",
        "easy": "よく わかりませんでした。{下|した}の {窓口|まどぐち}に {相談|そうだん}してください。"
        "どんな ことでも {聞|き}きます。",
        "en": "We could not understand this well. Please contact the general help window below: it listens to any"
        " worry and connects you to the right place.",
    },
    "nothing_picked": {
        "ja": "困りごとが選ばれていません。総合的な相談窓口をご案内します。",
        "easy": "{何|なに}も {選|えら}んでいません。どんな ことでも {聞|き}く {窓口|まどぐち}を {教|おし}えます。",
        "en": "Nothing was chosen. Here is the general help window.",
    },
    "emergency_h": {
        "ja": "今、危険がありますか",
        "easy": "いま、あぶないですか",
        "en": "Are you in danger right now?",
    },
    "emergency_lead": {
        "ja": "命や体に危険があるとき、暴力を受けているときは、すぐに電話してください。",
        "easy": "{命|いのち}が あぶない とき、{暴力|ぼうりょく}を {受|う}けている ときは、すぐに {電話|でんわ}してください。",
        "en": "If a life is in danger or someone is being hurt, call now.",
    },
    "city_lines_missing": {
        "ja": "{city}の24時間の相談電話は、まだ登録されていません。",
        "easy": "{city}の 24{時間|じかん} {電話|でんわ}は まだ ありません。",
        "en": "{city} has not registered a 24-hour line yet.",
    },
    "always_open": {"ja": "24時間", "easy": "24{時間|じかん}", "en": "24 hours"},
    "results_h": {
        "ja": "相談できる窓口",
        "easy": "{相談|そうだん}できる ところ",
        "en": "Where you can get help",
    },
    "concerns_h": {"ja": "困りごと", "easy": "{困|こま}っている こと", "en": "Your worries"},
    "why": {"ja": "この窓口の理由", "easy": "どうして ここ？", "en": "Why this window"},
    "general_badge": {"ja": "総合相談窓口", "easy": "なんでも {相談|そうだん}", "en": "General help window"},
    "general_why": {
        "ja": "どんな困りごとも受け止め、必要な窓口につなぐ窓口です。",
        "easy": "どんな ことでも {聞|き}きます。ほかの {窓口|まどぐち}にも つなぎます。",
        "en": "Listens to any worry and connects you to the right place.",
    },
    "fallback_general_why": {
        "ja": "この市町村の資料に総合相談窓口の記載がないため、分野を問わず相談をまず受け止める窓口"
        "（包括的相談支援）をご案内しています。",
        "easy": "どんな {相談|そうだん}でも まず {聞|き}く {窓口|まどぐち}です。",
        "en": "This city has not named a general help window; this window takes any consultation first"
        " (comprehensive consultation support) and passes it on.",
    },
    "no_windows": {
        "ja": "{city}の相談窓口は、まだ登録されていません。市役所・役場の代表窓口にお問い合わせください。",
        "easy": "{city}の {窓口|まどぐち}は まだ ありません。{市役所|しやくしょ}に {聞|き}いてください。",
        "en": "{city} has not registered its help windows yet. Please ask at the city or town office.",
    },
    "address": {"ja": "所在地", "easy": "ばしょ", "en": "Address"},
    "hours": {"ja": "受付時間", "easy": "{時間|じかん}", "en": "Hours"},
    "phone": {"ja": "電話", "easy": "{電話|でんわ}", "en": "Phone"},
    "bring": {"ja": "持ち物", "easy": "{持|も}っていく もの", "en": "What to bring"},
    "by_phone": {"ja": "電話での相談", "easy": "{電話|でんわ}で {相談|そうだん}", "en": "Help by phone"},
    "home_visit": {"ja": "自宅への訪問", "easy": "{家|いえ}に {来|き}て もらう", "en": "Home visit"},
    "yes": {"ja": "できます", "easy": "できます", "en": "Possible"},
    "no": {"ja": "できません", "easy": "できません", "en": "Not possible"},
    "unknown": {
        "ja": "不明（窓口にお問い合わせください）",
        "easy": "わかりません（{窓口|まどぐち}に {聞|き}いてください）",
        "en": "Not known (please ask the window)",
    },
    "unknown_facts": {
        "ja": "まだ登録されていないこと（窓口にお問い合わせください）：",
        "easy": "まだ わからない こと（{窓口|まどぐち}に {聞|き}いてください）：",
        "en": "Not known yet (please ask the window): ",
    },
    "list_sep": {"ja": "・", "easy": "・", "en": ", "},
    "serves": {"ja": "対象", "easy": "だれの ため", "en": "For"},
    "why_concern": {
        "ja": "「{x}」の相談を受けています",
        "easy": "「{x}」の {相談|そうだん}を {聞|き}きます",
        "en": "Handles: {x}",
    },
    "why_domain": {"ja": "{x}の分野の窓口です", "easy": "{x}の {窓口|まどぐち}です", "en": "Covers: {x}"},
    "why_age": {
        "ja": "{x}の方の相談窓口です",
        "easy": "{x}の {人|ひと}の {窓口|まどぐち}です",
        "en": "For people aged {x}",
    },
    "evidence_h": {
        "ja": "{city}での実績",
        "easy": "{city}で {今|いま}までに あったこと",
        "en": "What happened in {city} before",
    },
    "evidence_lead": {
        "ja": "同じ困りごとのある世帯で支援が終わったケースが、どこで受け止められ、どこが中心になったか"
        "（{n}件未満の数は表示しません）。",
        "easy": "{同|おな}じ {困|こま}りごとの {人|ひと}を どこが {手伝|てつだ}ったか（{少|すく}ない {数|かず}は {出|だ}しません）。",
        "en": "Where households with the same worry were helped, in closed cases (numbers under {n} are not shown).",
    },
    "evidence_total": {
        "ja": "支援が終わったケース {n}件",
        "easy": "{終|お}わった {支援|しえん} {n}{件|けん}",
        "en": "{n} closed cases",
    },
    "evidence_windows": {
        "ja": "最初に相談を受けた窓口",
        "easy": "はじめの {窓口|まどぐち}",
        "en": "First window",
    },
    "evidence_orgs": {
        "ja": "中心になった機関",
        "easy": "{中心|ちゅうしん}に なった ところ",
        "en": "Lead organisation",
    },
    "evidence_hidden": {
        "ja": "ほか（件数が少ないため表示しません）",
        "easy": "ほか（{少|すく}ないので {出|だ}しません）",
        "en": "Others (too few to show)",
    },
    "count": {"ja": "{n}件", "easy": "{n}{件|けん}", "en": "{n}"},
    "code_h": {
        "ja": "窓口で見せるコード",
        "easy": "{窓口|まどぐち}で {見|み}せる コード",
        "en": "Code to show at the window",
    },
    "code_hint": {
        "ja": "このページを印刷するか、このコードを窓口で見せてください。選んだ困りごとが伝わります"
        "（書いた文章は含まれません）。",
        "easy": "この コードを {窓口|まどぐち}で {見|み}せてください。{書|か}いた {文|ぶん}は {入|はい}っていません。",
        "en": "Print this page or show this code at the window: it tells them what you chose (not what you wrote).",
    },
    "print": {"ja": "印刷する", "easy": "{印刷|いんさつ}する", "en": "Print"},
    "print_hint": {
        "ja": "ブラウザの印刷機能で印刷できます。",
        "easy": "ブラウザで {印刷|いんさつ}できます。",
        "en": "Use your browser's print function.",
    },
    "again": {"ja": "最初からやり直す", "easy": "はじめから", "en": "Start again"},
    "code_enter_h": {
        "ja": "コードで結果を開く",
        "easy": "コードで {開|ひら}く",
        "en": "Open a result by its code",
    },
    "code_label": {"ja": "コード", "easy": "コード", "en": "Code"},
    "open": {"ja": "開く", "easy": "{開|ひら}く", "en": "Open"},
    "code_bad": {
        "ja": "このコードは読み取れません。入力を確かめるか、もう一度さがしてください。",
        "easy": "この コードは {使|つか}えません。もう {一度|いちど} さがしてください。",
        "en": "This code cannot be read. Please check it or search again.",
    },
    "text_too_long": {
        "ja": "2000文字以内で書いてください。",
        "easy": "2000{文字|もじ}より {短|みじか}く {書|か}いてください。",
        "en": "Please write no more than 2,000 characters.",
    },
    "text_empty": {
        "ja": "困っていることを書いてください。",
        "easy": "{困|こま}っている ことを {書|か}いてください。",
        "en": "Please write what is worrying you.",
    },
    "bad_choice": {
        "ja": "選択肢にない値が送られました。選び直してください。",
        "easy": "もう {一度|いちど} {選|えら}んでください。",
        "en": "Something unexpected was sent. Please choose again.",
    },
    "too_many": {
        "ja": "短い時間に多くの問い合わせがありました。少し待ってからもう一度お試しください。",
        "easy": "すこし {待|ま}ってから もう {一度|いちど} してください。",
        "en": "Too many requests in a short time. Please wait a moment and try again.",
    },
    "other_lines_h": {"ja": "電話相談", "easy": "{電話|でんわ}で {相談|そうだん}", "en": "Phone lines"},
    "private": {
        "ja": "このページは名前や書いた文章を保存しません。",
        "easy": "この ページは {名前|なまえ}や {書|か}いた ことを {残|のこ}しません。",
        "en": "This page does not keep your name or what you wrote.",
    },
    "skip": {"ja": "本文へ移動", "easy": "{本文|ほんぶん}へ", "en": "Skip to content"},
    "national_note": {"ja": "全国の電話", "easy": "{全国|ぜんこく}の {電話|でんわ}", "en": "National lines"},
    "municipal_note": {"ja": "{city}の電話", "easy": "{city}の {電話|でんわ}", "en": "Lines of {city}"},
    "japanese_name_note": {
        "ja": "",
        "easy": "",
        "en": "Names are shown in Japanese, as on the door and on the phone.",
    },
    "profile_concern_note": {"ja": "", "easy": "", "en": "(described in Japanese by the city)"},
}

# Plain-language situations for the picking path (one per national concern), grouped as residents think.
GROUPS: list[tuple[dict[str, str], list[str]]] = [
    (
        {
            "ja": "お金・仕事・住まい",
            "easy": "お{金|かね}・{仕事|しごと}・{家|いえ}",
            "en": "Money, work and housing",
        },
        ["poverty", "debt", "employment", "housing", "consumer-fraud", "addiction-gambling"],
    ),
    (
        {
            "ja": "介護・家族の世話",
            "easy": "{介護|かいご}・{家族|かぞく}の {世話|せわ}",
            "en": "Caring for family",
        },
        ["care", "dementia", "family-care", "double-care", "young-carer", "8050"],
    ),
    (
        {
            "ja": "子ども・子育て・妊娠",
            "easy": "{子|こ}ども・{子育|こそだ}て・{妊娠|にんしん}",
            "en": "Children, parenting and pregnancy",
        },
        ["parenting", "pregnancy", "futoko", "bullying-delinquency", "addiction-gaming"],
    ),
    (
        {
            "ja": "こころ・からだ・障害",
            "easy": "こころ・からだ・{障害|しょうがい}",
            "en": "Mind, body and disability",
        },
        ["mental-illness", "medical", "disability", "addiction-alcohol", "hikikomori"],
    ),
    (
        {
            "ja": "ひとり・暮らしの困りごと",
            "easy": "ひとり・くらしの こと",
            "en": "Living alone and everyday life",
        },
        ["isolation", "no-kin", "bereavement", "self-neglect", "paperwork", "guardianship"],
    ),
    (
        {
            "ja": "外国から来た方",
            "easy": "{外国|がいこく}から {来|き}た {人|ひと}",
            "en": "Coming from abroad",
        },
        ["foreign-language", "residence-status"],
    ),
    (
        {
            "ja": "暴力・安全・立ち直り",
            "easy": "{暴力|ぼうりょく}・あんぜん",
            "en": "Safety, violence and a fresh start",
        },
        ["abuse-dv", "suicide-risk", "reoffending"],
    ),
]

SITUATIONS: dict[str, dict[str, str]] = {
    "poverty": {
        "ja": "生活費が足りない・食べるものに困っている",
        "easy": "お{金|かね}が ない。{食|た}べものが {買|か}えない",
        "en": "Not enough money to live on, or for food",
    },
    "debt": {
        "ja": "借金の返済に困っている",
        "easy": "{借金|しゃっきん}を {返|かえ}せない",
        "en": "Debts I cannot repay",
    },
    "employment": {
        "ja": "仕事がない・仕事が続かない",
        "easy": "{仕事|しごと}が ない",
        "en": "No job, or cannot keep a job",
    },
    "housing": {
        "ja": "住む所がない・家賃が払えない",
        "easy": "{住|す}む ところが ない。{家賃|やちん}が {払|はら}えない",
        "en": "Nowhere to live, or cannot pay the rent",
    },
    "consumer-fraud": {
        "ja": "詐欺や悪質な契約の被害にあった",
        "easy": "だまされた。{高|たか}い {契約|けいやく}を した",
        "en": "Scammed, or pushed into a bad contract",
    },
    "addiction-gambling": {
        "ja": "ギャンブルがやめられない（本人・家族）",
        "easy": "パチンコなどが やめられない",
        "en": "Gambling that cannot stop (me or family)",
    },
    "care": {
        "ja": "高齢の家族の介護が大変",
        "easy": "お{年寄|としよ}りの {家族|かぞく}の {介護|かいご}が たいへん",
        "en": "Caring for an older family member is hard",
    },
    "dementia": {
        "ja": "物忘れ・認知症が心配",
        "easy": "{忘|わす}れることが {多|おお}い。{認知症|にんちしょう}かも",
        "en": "Forgetfulness or dementia",
    },
    "family-care": {
        "ja": "障害や病気のある家族の世話が大変",
        "easy": "{病気|びょうき}や {障害|しょうがい}の ある {家族|かぞく}の {世話|せわ}が たいへん",
        "en": "Caring for a family member with an illness or disability",
    },
    "double-care": {
        "ja": "子育てと介護が重なっている",
        "easy": "{子育|こそだ}てと {介護|かいご}を {両方|りょうほう} している",
        "en": "Raising children and caring for a parent at once",
    },
    "young-carer": {
        "ja": "子ども・若者が家族の世話をしている",
        "easy": "{子|こ}どもが {家族|かぞく}の {世話|せわ}を している",
        "en": "A child or young person cares for family",
    },
    "8050": {
        "ja": "高齢の親と、働いていない子の暮らし（8050）",
        "easy": "お{年寄|としよ}りの {親|おや}と {働|はたら}いていない {子|こ}",
        "en": "Older parents supporting an adult child at home (8050)",
    },
    "parenting": {
        "ja": "子育てがつらい・ひとり親で大変",
        "easy": "{子育|こそだ}てが たいへん",
        "en": "Parenting is hard, or I am a single parent",
    },
    "pregnancy": {
        "ja": "妊娠・出産が不安",
        "easy": "{赤|あか}ちゃんが できた。{心配|しんぱい}",
        "en": "Worried about pregnancy or giving birth",
    },
    "futoko": {
        "ja": "子どもが学校に行けない",
        "easy": "{子|こ}どもが {学校|がっこう}に {行|い}けない",
        "en": "A child cannot go to school",
    },
    "bullying-delinquency": {
        "ja": "いじめ・非行・家出",
        "easy": "いじめ。わるい ことを する。{家|いえ}に {帰|かえ}らない",
        "en": "Bullying, trouble with the law, running away",
    },
    "addiction-gaming": {
        "ja": "ゲームやスマホがやめられない",
        "easy": "ゲームや スマホが やめられない",
        "en": "Cannot stop gaming or using the phone",
    },
    "mental-illness": {
        "ja": "気持ちが落ち込む・眠れない・心の病気",
        "easy": "こころが つらい。ねむれない",
        "en": "Feeling low, cannot sleep, mental illness",
    },
    "medical": {
        "ja": "病気・入院・医療費が心配",
        "easy": "{病気|びょうき}。{病院|びょういん}の お{金|かね}が {心配|しんぱい}",
        "en": "Illness, hospital or medical bills",
    },
    "disability": {
        "ja": "障害のこと・発達が気になる",
        "easy": "{障害|しょうがい}の こと",
        "en": "Disability, or a child's development",
    },
    "addiction-alcohol": {
        "ja": "お酒がやめられない（本人・家族）",
        "easy": "お{酒|さけ}が やめられない",
        "en": "Drinking that cannot stop (me or family)",
    },
    "hikikomori": {
        "ja": "家から出られない・ひきこもり",
        "easy": "{家|いえ}から {出|で}られない",
        "en": "Not leaving home (hikikomori)",
    },
    "isolation": {
        "ja": "ひとりで寂しい・話し相手がいない",
        "easy": "ひとりで さびしい",
        "en": "Lonely, nobody to talk to",
    },
    "no-kin": {
        "ja": "頼れる家族がいない・保証人がいない",
        "easy": "{頼|たよ}れる {家族|かぞく}が いない",
        "en": "No family to rely on, no guarantor",
    },
    "bereavement": {
        "ja": "家族を亡くした",
        "easy": "{家族|かぞく}が {亡|な}くなった",
        "en": "Someone in my family died",
    },
    "self-neglect": {
        "ja": "家がごみでいっぱい・身の回りのことができない",
        "easy": "{家|いえ}が ごみで いっぱい",
        "en": "The home is full of rubbish; cannot look after oneself",
    },
    "paperwork": {
        "ja": "役所の手続きや書類がわからない",
        "easy": "{書類|しょるい}や {手続|てつづ}きが わからない",
        "en": "Forms and procedures are confusing",
    },
    "guardianship": {
        "ja": "お金の管理が難しい・成年後見",
        "easy": "お{金|かね}の {管理|かんり}が できない",
        "en": "Managing money, guardianship",
    },
    "foreign-language": {
        "ja": "日本語がわからない",
        "easy": "{日本語|にほんご}が わからない",
        "en": "I do not understand Japanese",
    },
    "residence-status": {
        "ja": "在留資格・ビザのこと",
        "easy": "ビザ（{在留資格|ざいりゅうしかく}）の こと",
        "en": "Visa and residence status",
    },
    "abuse-dv": {
        "ja": "暴力・虐待を受けている・見聞きした",
        "easy": "たたかれる。ひどい ことを される",
        "en": "Violence or abuse (to me or someone I know)",
    },
    "suicide-risk": {
        "ja": "死にたい・消えたいと思う",
        "easy": "しにたい。きえたい",
        "en": "I want to die or disappear",
    },
    "reoffending": {
        "ja": "刑務所や少年院を出た後の暮らし",
        "easy": "{刑務所|けいむしょ}を {出|で}た あと",
        "en": "Life after prison or juvenile training school",
    },
}

# Concern labels when shown as "understood" (shorter than situations).
DOMAIN_LABELS: dict[str, dict[str, str]] = {
    "elderly": {"ja": "高齢", "easy": "お{年寄|としよ}り", "en": "older people"},
    "disability": {"ja": "障害", "easy": "{障害|しょうがい}", "en": "disability"},
    "child": {"ja": "子ども", "easy": "{子|こ}ども", "en": "children"},
    "hardship": {"ja": "生活困窮", "easy": "くらしの お{金|かね}", "en": "money and living"},
    "other": {"ja": "その他", "easy": "そのほか", "en": "other"},
}

AGE_DOMAIN = {"child": "child", "elderly": "elderly"}

# What a kind of organisation is, for English readers (window names stay in Japanese).
ORG_KIND_EN = {
    "department": "City office department",
    "social_welfare_council": "Council of social welfare",
    "community_general_support_center": "Community support centre for older people and their families",
    "disability_support_center": "Support centre for people with disabilities",
    "child_family_center": "Child and family support centre",
    "self_reliance_support": "Support for people in financial or everyday difficulty",
    "health_center": "Public health centre",
    "education": "Board of education / school",
    "npo": "Non-profit organisation",
    "medical": "Medical institution",
    "community_facility": "Community centre",
    "other": "Support organisation",
}


def t(key: str, lang: str, **values: object) -> str:
    text = T[key][lang]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def situation(code: str, lang: str, fallback: str) -> str:
    """The plain-language label of a concern; a city's own concern keeps its Japanese name."""
    entry = SITUATIONS.get(code)
    return entry[lang] if entry else fallback
