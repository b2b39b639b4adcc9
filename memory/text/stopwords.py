"""Stop lists for query terms and summaries.

Why hand-written: nltk/spaCy stopword corpora need downloads we cannot do at
run time; these short lists are enough to keep queries on content words.
The index keeps every word; only queries and summaries drop these.
"""

from __future__ import annotations

__all__ = ["EN_STOPWORDS", "FUNCTION_POS", "JA_STOP_BASES", "SYMBOL_POS"]

# unidic POS (pos1) that never carry searchable meaning.
SYMBOL_POS = frozenset({"補助記号", "記号", "空白"})
FUNCTION_POS = frozenset({"助詞", "助動詞", "接頭辞", "接尾辞", "代名詞", "連体詞", "接続詞"})
# Very common light verbs/nouns/adverbs whose dictionary forms would match almost
# every Japanese document. Checked against orthBase.
JA_STOP_BASES = frozenset(
    """
    する 為る ある 有る 在る いる 居る なる 成る れる られる せる させる おる
    くる 来る いく てる ちゃう しまう 仕舞う みる もらう くれる あげる やる
    こと 事 もの 物 よう 様 ため 為 ところ 所 わけ 訳 はず 筈 方 ほう
    さ そう みたい ん の
    とても すごく ちょっと もう まだ また よく ほんと 本当 まあ やっぱり やはり
    """.split()
)

# Common English function words; dropped from queries only (the index keeps them).
EN_STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more
    most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same shan't she she'd she'll she's should shouldn't so some such
    than that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've this those through to too under until up very was wasn't we
    we'd we'll we're we've were weren't what what's when when's where where's which while
    who who's whom why why's will with won't would wouldn't you you'd you'll you're you've
    your yours yourself yourselves also get got gonna wanna yeah yes ok okay oh um uh hmm
    really thing things
    """.replace("’", "'").split()
)
