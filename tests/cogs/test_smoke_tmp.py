async def test_memorize_then_remember(simcord_env, services):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    await alice.send(channel, "!memorize 私の好きな食べ物はラーメンです")
    print(channel.last_message.content)
    await alice.send(channel, "!remember 好きな食べ物")
    msg = channel.last_message
    print(msg.content, [e.to_dict() for e in msg.embeds])
    res = await alice.slash(channel, "remember", query="ramen")
    print(res.response.content, [e.to_dict() for e in res.response.embeds], res.ephemeral)
