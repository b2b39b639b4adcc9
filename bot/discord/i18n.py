"""Every user-facing string of the Discord bot, in Japanese and English (one catalogue, one place).

`t(locale, key, **values)`; a test checks that every key has both languages with the same placeholders.
Plural forms: an entry may add `"en:one"` (any CLDR plural category), used when `count` is in that
category for the language (babel's plural rules), so English never says "1 times".
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from babel import Locale as BabelLocale

Locale = Literal["ja", "en"]
LOCALES: tuple[Locale, ...] = ("ja", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # remember
    "remember.title": {"ja": "🧠 記憶検索結果", "en": "🧠 Memory search"},
    "remember.query": {"ja": "クエリ: `{query}`（{persona}の記憶）", "en": "Query: `{query}` ({persona}'s memories)"},
    "remember.field": {"ja": "記憶 {i} (関連度: {score})", "en": "Memory {i} (relevance: {score})"},
    "remember.none": {"ja": "関連する記憶が見つかりませんでした。", "en": "No related memories found."},
    "memory.body": {"ja": "**要約**: {summary}\n**感情**: {emotions}\n**日時**: {date}\n**ID**: `{id}`",
                    "en": "**Summary**: {summary}\n**Emotions**: {emotions}\n**Date**: {date}\n**ID**: `{id}`"},
    # memorize
    "memorize.done": {"ja": "覚えました！（{persona}の記憶・ID: `{id}`）",
                      "en": "Got it, I'll remember that. ({persona}'s memory, ID: `{id}`)"},
    "memorize.reinforced": {"ja": "それはもう覚えていました。記憶を強めておきますね（ID: `{id}`）。",
                            "en": "I already knew that, so I reinforced the memory (ID: `{id}`)."},
    # memories
    "memories.title": {"ja": "📚 あなたの記憶一覧", "en": "📚 Your memories"},
    "memories.description": {"ja": "最新 {count} 件の記憶（全 {total} 件・{page}/{pages} ページ・{persona}）",
                             "en": "Latest {count} memories ({total} in all, page {page}/{pages}, {persona})",
                             "en:one": "Latest {count} memory ({total} in all, page {page}/{pages}, {persona})"},
    "memories.field": {"ja": "記憶 {i}", "en": "Memory {i}"},
    "memories.none": {"ja": "まだ記憶がありません。", "en": "No memories yet."},
    "button.prev": {"ja": "前へ", "en": "Previous"},
    "button.next": {"ja": "次へ", "en": "Next"},
    "view.not_yours": {"ja": "このボタンはコマンドを使った人だけが押せます。",
                       "en": "Only the person who ran the command can use these buttons."},
    # emotions
    "emotions.title": {"ja": "📊 あなたの感情統計", "en": "📊 Your emotion statistics"},
    "emotions.description": {"ja": "最近の {count} 件の記憶から分析（{persona}）",
                             "en": "From your latest {count} memories ({persona})",
                             "en:one": "From your latest {count} memory ({persona})"},
    "emotions.value": {"ja": "{count}回 ({pct}%)", "en": "{count} times ({pct}%)", "en:one": "{count} time ({pct}%)"},
    "emotions.none": {"ja": "感情データがありません。", "en": "No emotion data yet."},
    "emotions.chart_title": {"ja": "感情の推移", "en": "Emotions over time"},
    "emotions.chart_y": {"ja": "回数", "en": "count"},
    # chat
    "chat.not_saved": {"ja": "（プライバシー設定により、この会話は記憶しません）",
                       "en": "(You opted out, so I won't remember this conversation.)"},
    # forget / mydata / privacy
    "forget.done": {"ja": "記憶を1件削除しました（ID: `{id}`）。", "en": "Deleted 1 memory (ID: `{id}`)."},
    "forget.not_found": {"ja": "その ID の記憶は見つかりませんでした（削除できるのは自分の記憶だけです）。",
                         "en": "None of your memories has that ID (you can only delete your own)."},
    "forget.ambiguous": {"ja": "その ID で始まる記憶が複数あります。もう少し長く入力してください。",
                         "en": "Several of your memories start with that; type more of the ID."},
    "forget.nothing": {"ja": "削除する記憶はありません。", "en": "There are no memories to delete."},
    "forget.confirm": {"ja": "⚠️ あなたの記憶をすべて（{count} 件・全ペルソナ分）削除します。"
                             "元に戻せません。よろしいですか？",
                       "en": "⚠️ This deletes all {count} of your memories (every persona). It cannot be undone. "
                             "Are you sure?",
                       "en:one": "⚠️ This deletes your {count} memory (every persona). It cannot be undone. "
                                 "Are you sure?"},
    "forget.all_done": {"ja": "あなたの記憶を {count} 件すべて削除しました。",
                        "en": "Deleted all {count} of your memories.", "en:one": "Deleted your {count} memory."},
    "confirm.cancelled": {"ja": "キャンセルしました。何も削除していません。", "en": "Cancelled; nothing was deleted."},
    "confirm.timeout": {"ja": "時間切れです。何も削除していません。", "en": "Timed out; nothing was deleted."},
    "button.confirm": {"ja": "削除する", "en": "Delete"},
    "button.cancel": {"ja": "キャンセル", "en": "Cancel"},
    "mydata.sent": {"ja": "あなたのデータ（{count} 件）を DM で送りました。",
                    "en": "I sent you your data ({count} memories) by DM.",
                    "en:one": "I sent you your data ({count} memory) by DM."},
    "mydata.dm_text": {"ja": "Omoide が保存しているあなたのデータです（JSONL 形式・1行に1件）。",
                       "en": "Here is everything Omoide keeps about you (JSONL, one memory per line)."},
    "mydata.link": {"ja": "ブラウザで見て削除もできる、あなた専用のページ"
                          "（{minutes} 分間有効・他の人に渡さないでください）:\n{url}",
                    "en": "Your private page to see and delete it in a browser (works for {minutes} minutes; "
                          "do not share it):\n{url}"},
    "mydata.dm_closed": {"ja": "DM を送れませんでした。"
                               "サーバーメンバーからの DM を許可してから、もう一度お試しください。",
                         "en": "I couldn't DM you. Allow direct messages from server members and try again."},
    "privacy.off": {"ja": "了解です。これからはあなたのメッセージを自動で学習せず、chat の会話も記憶しません。"
                          "`privacy on` で元に戻せます。",
                    "en": "Done. I won't learn from your messages or remember chat conversations any more. "
                          "`privacy on` undoes this."},
    "privacy.on": {"ja": "学習を再開しました（自動学習は管理者が有効にしたチャンネルだけで行われます）。",
                   "en": "Learning is back on (passive learning only happens in channels where an admin enabled it)."},
    "privacy.status_off": {"ja": "いまは学習しない設定です（`privacy on` で再開）。",
                           "en": "You have opted out of learning (`privacy on` to resume)."},
    "privacy.status_on": {"ja": "いまは学習する設定です（`privacy off` で停止）。",
                          "en": "Learning is on for you (`privacy off` to stop)."},
    "language.set": {"ja": "これからは日本語でお返事します。", "en": "I'll reply in English from now on."},
    "language.auto": {"ja": "返事の言語は自動で判断します。", "en": "I'll pick the reply language automatically."},
    # personas
    "persona.list_title": {"ja": "🎭 ペルソナ一覧", "en": "🎭 Personas"},
    "persona.active": {"ja": "（このチャンネルで使用中）", "en": "(active here)"},
    "persona.used": {"ja": "このチャンネルのペルソナを **{name}** にしました。",
                     "en": "This channel now talks with **{name}**."},
    "persona.unknown": {"ja": "「{name}」というペルソナはありません。使えるのは: {names}",
                        "en": "There is no persona called \"{name}\". Known: {names}"},
    "persona.info_title": {"ja": "🎭 {name}", "en": "🎭 {name}"},
    "persona.field_id": {"ja": "メモリー ID", "en": "Memory ID"},
    "persona.field_language": {"ja": "言語", "en": "Language"},
    "persona.field_cube": {"ja": "記憶キューブ", "en": "Memory cube"},
    "persona.field_yours": {"ja": "あなたとの記憶", "en": "Your memories"},
    "persona.field_model": {"ja": "言語モデル", "en": "Language model"},
    "persona.no_model": {"ja": "なし（言語モデルが設定されていないので、内蔵の簡単な応答でお返事します）",
                         "en": "None (no language model is set, so the built-in companion gives short replies)"},
    # admin
    "admin.learning_on": {"ja": "{channel} での自動学習を有効にしました（`privacy off` のユーザーは除く）。",
                          "en": "Passive learning is now on in {channel} (except users who opted out)."},
    "admin.learning_off": {"ja": "{channel} での自動学習を無効にしました。",
                           "en": "Passive learning is now off in {channel}."},
    "admin.guild_persona": {"ja": "このサーバーの既定のペルソナを **{name}** にしました。",
                            "en": "This server's default persona is now **{name}**."},
    "admin.purge_confirm": {"ja": "⚠️ {channel} で作られた記憶 {count} 件を削除します。元に戻せません。よろしいですか？",
                            "en": "⚠️ This deletes the {count} memories made in {channel}. It cannot be undone. "
                                  "Are you sure?",
                            "en:one": "⚠️ This deletes the {count} memory made in {channel}. It cannot be undone. "
                                      "Are you sure?"},
    "admin.purge_done": {"ja": "{channel} の記憶を {count} 件削除しました。",
                         "en": "Deleted {count} memories made in {channel}.",
                         "en:one": "Deleted {count} memory made in {channel}."},
    "admin.status": {"ja": "既定のペルソナ: **{persona}**\n時間帯: **{zone}**\n自動学習が有効なチャンネル: {channels}",
                     "en": "Default persona: **{persona}**\nTime zone: **{zone}**\n"
                           "Channels with passive learning: {channels}"},
    "admin.none": {"ja": "なし", "en": "none"},
    # help
    "help.title": {"ja": "📖 Omoide の使い方", "en": "📖 How to use Omoide"},
    "help.intro": {"ja": "コマンドは `{prefix}` で始めても、`/` から選んでも使えます。",
                   "en": "Type a command after `{prefix}`, or pick it from the `/` menu."},
    "help.footer": {"ja": "{prefix}help <コマンド> で詳しい説明を表示します",
                    "en": "{prefix}help <command> for details"},
    "help.admin_needs": {"ja": "（「{perms}」権限が必要）", "en": "(needs \"{perms}\")"},
    "help.options": {"ja": "オプション", "en": "Options"},
    "help.unknown": {"ja": "「{name}」というコマンドはありません。`{prefix}help` で一覧を見られます。",
                     "en": "There is no command called \"{name}\". `{prefix}help` lists them."},
    # errors
    "error.generic": {"ja": "ごめんなさい、うまく処理できませんでした。"
                            "少し時間をおいてもう一度お試しください。（エラー ID: {ref}）",
                      "en": "Sorry, something went wrong. Please try again in a moment. (error id: {ref})"},
    "error.no_permission": {"ja": "このコマンドにはサーバーの「{perms}」権限が必要です。",
                            "en": "You need the \"{perms}\" permission for this command."},
    "error.bot_permission": {"ja": "ボットに「{perms}」権限がありません。サーバー管理者に確認してください。",
                             "en": "I am missing the \"{perms}\" permission here; please ask a server admin."},
    "error.guild_only": {"ja": "このコマンドはサーバー内でのみ使えます。",
                         "en": "This command only works in a server."},
    "error.missing_argument": {"ja": "`{param}` を指定してください。使い方: `{usage}`",
                               "en": "Please give `{param}`. Usage: `{usage}`"},
    "error.bad_argument": {"ja": "入力を確認してください。使い方: `{usage}`",
                           "en": "Please check your input. Usage: `{usage}`"},
    "error.invalid": {"ja": "入力を確認してください（{field}）: {message}", "en": "Please check {field}: {message}"},
    "error.cooldown": {"ja": "少し待ってからもう一度どうぞ（あと {seconds} 秒）。",
                       "en": "Please wait a little before trying again ({seconds} s)."},
    "error.channel_not_found": {"ja": "チャンネル「{channel}」が見つかりません。#チャンネル名 で指定してください。",
                                "en": "Channel \"{channel}\" not found; name it as #channel."},
    # time zone
    "timezone.current": {"ja": "日時は **{zone}** で表示しています（いま {now}）。"
                               "`timezone Asia/Tokyo` のように地域名で変えられます（`auto` で既定に戻ります）。",
                         "en": "Dates are shown in **{zone}** (now {now}). Change it with a zone name such as "
                               "`timezone Europe/London` (`auto` goes back to the default)."},
    "timezone.set": {"ja": "これからは日時を **{zone}** で表示します（いま {now}）。",
                     "en": "From now on I show dates in **{zone}** (now {now})."},
    "timezone.auto": {"ja": "日時はサーバーまたはボットの既定（**{zone}**）で表示します。",
                      "en": "Dates follow the server's or the bot's default (**{zone}**)."},
    "timezone.unknown": {"ja": "「{zone}」という時間帯はありません。"
                               "Asia/Tokyo や Europe/London のような地域名で指定してください。",
                         "en": "There is no time zone called \"{zone}\"; "
                               "use a name such as Asia/Tokyo or Europe/London."},
    "admin.timezone": {"ja": "このサーバーの既定の時間帯を **{zone}** にしました（いま {now}）。",
                       "en": "This server's default time zone is now **{zone}** (now {now})."},
}


@lru_cache(maxsize=8)
def _plural_rule(locale: str) -> BabelLocale:
    return BabelLocale.parse(locale)


def plural_category(locale: str, count: object) -> str:
    """CLDR plural category of `count` in `locale`: 'one', 'other'..."""
    return _plural_rule(locale).plural_form(count) if isinstance(count, (int, float)) else "other"


def t(locale: str, key: str, **values: object) -> str:
    """The message `key` in `locale` (ja or en; anything else falls back to English), in the plural form
    `count` needs."""
    entry = MESSAGES[key]
    language = locale if locale in entry else "en"
    text = entry[language]
    if "count" in values:
        text = entry.get(f"{language}:{plural_category(language, values['count'])}", text)
    return text.format(**values) if values else text
