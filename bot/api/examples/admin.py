"""Admin routes (an admin API key): stats, users, keys, settings, audit.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "GET /admin/stats": OpExample(
        summary="Memories per cube, API counts",
        response={
            "memories": 7,
            "cubes": [
                {
                    "tenant": "default",
                    "cube": "default",
                    "persona": None,
                    "total": 3,
                    "by_tier": {"long_term": 3},
                    "by_kind": {"turn": 3},
                    "users": 1,
                    "oldest": "2025-11-17T10:00:00Z",
                    "newest": "2025-11-17T10:00:00Z",
                    "top_emotions": [["affection", 1], ["fear", 1], ["joy", 1]],
                },
                {
                    "tenant": "default",
                    "cube": "user_user_listy_cube",
                    "persona": "listy",
                    "total": 1,
                    "by_tier": {"long_term": 1},
                    "by_kind": {"turn": 1},
                    "users": 1,
                    "oldest": "2025-11-17T10:00:00Z",
                    "newest": "2025-11-17T10:00:00Z",
                    "top_emotions": [["affection", 1]],
                },
                {
                    "tenant": "my-app",
                    "cube": "default",
                    "persona": None,
                    "total": 3,
                    "by_tier": {"long_term": 3},
                    "by_kind": {"content": 3},
                    "users": 1,
                    "oldest": "2025-11-17T10:00:00Z",
                    "newest": "2025-11-17T10:00:00Z",
                    "top_emotions": [["affection", 1], ["joy", 1]],
                },
            ],
            "api": {"api_keys": 2, "mesh_users": 1, "mesh_tenants": 2, "conversations": 2, "websocket_listeners": 0},
            "embedding_model": "omoide/multilingual-e5-small-q4",
            "uptime_seconds": 2.8,
        },
    ),
    "GET /admin/personas": OpExample(
        summary="Personas and their cubes",
        response={
            "personas": [
                {
                    "memory_id": "listy", "memory_name": "リスティー", "tenant": "default",
                    "cube": "user_user_listy_cube", "created": True, "total": 1,
                },
                {
                    "memory_id": "cocoro", "memory_name": "ココロ", "tenant": None, "cube": "user_user_cocoro_cube",
                    "created": False, "total": 0,
                },
                {
                    "memory_id": "nova", "memory_name": "Nova", "tenant": None, "cube": "user_user_nova_cube",
                    "created": False, "total": 0,
                },
            ],
        },
    ),
    "GET /admin/users/{user_id}/export": OpExample(
        summary="One user's memories as JSON lines (an excerpt)",
        params={"user_id": "user_123", "tenant_id": "default"},
        response=(
            '{"format": "omoide.memory", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000001", "tenant": "defau'
            'lt", "cube": "default", "user_id": "user_123", "session_id": "session_456", "kind": "turn", "content": "'
            '今日はとても楽しい一日でした！新しいゲームを始めました。\\nそれは素晴らしいですね！どんなゲームですか？"'
            ', "user_message": "今日はとても楽しい一日でした！新しいゲームを始めました。", "ai_message": "それは素晴'
            'らしいですね！どんなゲームですか？", "content_type": "text", "tier": "long_term", "tags": [], "metadata"'
            ': {"platform": "discord", "channel": "general"}, "importance": 0.5, "emotions": [{"label": "joy", "score'
            '": 0.6854}], "summary": "今日はとても楽しい一日でした！新しいゲームを始めました。", "created_at": "2025-'
            '11-17T10:00:00+00:00", "updated_at": "2025-11-17T10:00:00+00:00", "expires_at": null, "last_accessed_at"'
            ': "2025-11-17T10:00:00+00:00", "access_count": 1, "reinforce_count": 0, "embedding_model": "omoide/multi'
            'lingual-e5-small-q4", "embedding": "45Q4PVCCTTx1S0G9icOJu958wz2lcrm9EAOqPJuuKDwi7Zs9hM5TPEWzgj0eXso6bOay'
            "Pa6GybzHVmW95BEzPbZ0xj3RvXG9LdBXvXF9I71ytaw8SAp8PdhP9rzBixg8XQaJPVn0gz01/Iq8ww4dPZgBiTsERwO+boZRvapLtrxK"
            "EFU9/KGXvSw1dj33U8s8e76qvOIDTr2G3Ik9mQcEvVYb1bx5hIc8dycqPe6FbD2Y3Fw87hbaPT4LF72924U9bKefvVqElDzl93S778Np"
            "PQgR2TtHsp89hmPOPPWLTr1wvAi9QhqWvQoIxL0gW409xrApPcRomLusdSG7r5VrPfycpz2rAJY7NWggPZAAfD0q6ai9KxmyvKP8ObzQ"
            "65Q8x/3IvOHNRb2HkAw7VjAIPanPNz1t9kW9RlxwPddtEr1ZkcC93plQvR+TKb2OERc91HS/vNCqFD2PXT49mYGAvQWKzj16onG83JDL"
            "PYt8TT2YQ3+9mQB2vV8js70FRBO9H5J/vM9xVj3m8yY9WkQFvXQrvD2hwWq7XWUJPf5b2L2tEJK9H08wPfo8Tz2MroK9PHxnPYOug70s"
            "jQe9Hbu5PKZ0WD0wJyY8lSI7vRGM4ryP0KK80JtBvb1tIT1h5ja9MtZfPdmpKbx9U0G9duEpvSk0a73szq28GFQYPZe0Yz3qbBM99KWL"
            "vPWgAz0unSY9Q+6MuEDr9zwer4Q9AfmaPQDHeTzXjvg7yI6avOhglLsCfCi9c6pQPb0WsLxtr2g9s63RPCTgPT30MF09gHoSvfNIhT3F"
            "wFe8o973PM+87Lw1sX49IhvxPHEccDxiY8O7MLhKvQ6tobzhaCg9J3wuPSeSdL3T1oS93dvAvQTxI713N0S90QC7vXLa4TzzXqc9DjJb"
            "vSiGX70utT29OlA5PVkMib2I3Sc95hjyvGKAZz31cWe9SH0qPb3luz0/xms82yxFPOnSwbv99s+9CLCovP52lb2VX6y6x65PvSOkijz6"
            "rAU90syEvaWrTby9Xwo9E4JjvdeV471Ng/G89gHOPF1DV71U0YQ9/I5DPauRDz16KQC8m88jvafUDTxEkVc9dBQ9Pd6IsbwoEmW9VGL6"
            "PBpGMb2VzTG56DWHPcW4i70Iy9G9Q0eePcHjqb0v+5w7qNsQvdrp6TyVLLA7bcfoPbRnaT2PuQu9953aPLswxb2Droi8+RMqPSp2Cjzk"
            "ZHK9OR8tvTW05Dyn2m29rUSXvLSdfby56Ia9zkl/vcqdZL1zOeo8Nz9APbBdHzyrde68+wcRvWZEUb2JzpA9L3J4vanxOT0TrjS9fseo"
            "vR6pYzxCBlS6c8N8PTToOj3ZGwu9rFiRvcTZ0b3IJMy8ASgQPaIhUD1XqEs8xYFCvXwGIbywuok8z5SuvDZ2rz1xjiU9uhejPSLTsTuK"
            "JK+9O0xBvcbVg7wpDIE7B5V/vVt+LT1cnZ89TsCQvV4hYL0hGZa8oCx4PURaoD0cK1K9H4Mxvcwxlj0Y7848vGPpO1oaRj2QvCQ9WHYX"
            "unkxbL1zMps9U1hhO0IDt7x4urW8M/oYvaDXBzxdp9g7/FUxPGrxCbw/sHY88r9rPZh1u70Rm749HjlOvTYTHr2zjQs8UgKPPOtFn73d"
            "oCK8qmEWPbhO2jyuBZM8bzahPcaPzDwV7MQ8z2V6vWoRcb2BsBQ9/9mKPcMiTLxiK/e8BKmIvZVeW71h5IO9iLjKvNTUnrvsulC9QBoY"
            "PQjdHz0h4KW9V39gvWWzeD3UaGc9SvEtPWt8eL0s6JW9bYDlPSG5ib3Xhna9LpuLPDmnVD0IAu68uvJCvThgmzzOJb48x02svb2J6Tz3"
            "hdS8pvRxvUFFIj0VEM689Zo5vfZSYT2v3Nw898uPvRaRNT16+4c9RUM3vfwAOD0aCXK9QPMevcTEhD1WbCg90r5hvb6y1rr9Lq07lIFr"
            "PXDlRj0CjJk9aIPvujBd/TwXuag8JpONvQD37jwjSFg9QbJIvVPvhzyUoZC8nkvrvEVFnrxjKic9YRFevWfSzb0DgXg9EkSTPaNBkz0l"
            'gVs9"}\n'
            '{"format": "omoide.memory", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000002", "tenant": "defau'
            'lt", "cube": "default", "user_id": "user_123", "session_id": null, "kind": "turn", "content": "好きな食'
            'べ物はラーメンです\\nラーメン、いいですね！何味が好きですか？", "user_message": "好きな食べ物はラーメン'
            'です", "ai_message": "ラーメン、いいですね！何味が好きですか？", "content_type": "text", "tier": "long_t'
            'erm", "tags": [], "metadata": {}, "importance": 0.5, "emotions": [{"label": "affection", "score": 0.6495'
            '}], "summary": "好きな食べ物はラーメンです", "created_at": "2025-11-17T10:00:00+00:00", "updated_at": "2'
            '025-11-17T10:00:00+00:00", "expires_at": null, "last_accessed_at": "2025-11-17T10:00:00+00:00", "access_'
            'count": 1, "reinforce_count": 0, "embedding_model": "omoide/multilingual-e5-small-q4", "embedding": "FtX'
            "VPAQ/4rrr93y91sBOPN8StD0QhKm9ilaAPI8KOT2cC7A9PurmPKGdED2aNkK9TnX3PRhLATvypDG9QJnCPHVXgD0e4zW9sGvuvM2Fpb2"
            "BEjM9RsdoPRADd72CSXK77LKFPZ+qgT1bXZC8/3LNPL5E9Twldga+ySRZvWkt9bwOBWQ9zfH6vCairT0Vla88FCZgveQAOb2SEy49GGW"
            "mvHr0DbyB9Bk9mMBePWszwz29VFE9IS+yPYB8+LxfKgg9wFojveGLGryCAcS8HzxkPdPSLzwsaFY9rgL+POqOiLyB5Oe8zvGCvUVJp73"
            "AZxY9feCyPYw0Gr24pCU8DL7gPNkjyj12ZQ+8aKp0PfjyFj22imm93Mk5vScqubw8uWo9NUfOuneqBL0D1SA9XuadPCf7nDx0npK9FNK"
            "GPY5FEDyycr+9tMs2vdzmHr2cJK48SyguvcDKUz0slpY9XfTTvYWKtT3yvbc8/uOvPaLj7TzfkWi9Bm4/vf8cU7392sC8jAAGvZCEVz2"
            "UxYU8/WRKvNippD3I1ra8hYSwPFdjkr06ElC90bDXPLrgOz2zXCy92ft7PZvrlb3cu3a9vsxNPeWjCD38rZA9x5rRvMhrvbzuKkW9Get"
            "YvfJHcz0/xTi9bz2NPVRLZLziVzG9XN00vTc8S71iyS29Pc1NvAQZUz2r3ru8OZDMvC3UjT1WE3w9nMDWvGVOgz3Dg4k8NgAwPcNArDu"
            "rBjC4ip0Du/dyOLocCay9MW7yO7XyIL3AlKY9HBNRPYBUYD2a86w9KnAePLvZjD2v0AC9/UI7PQlZHL0pFls9pj6oPBP9Qru/7Bu9g9F"
            "NvUTI+byMnjE96xYlPb+Rdb2voYG9o4fZvd2xS73+PWC93yGovdla0Dyzb6M9aV2zvZQFCrxFeES9Xr05PQbIVb3H7yM9gHpsOsjcPj0"
            "4vei8Zj+6PEaQtz1hlb07mhvjOzHvNb3Ulo29mop7vZE3ar0t/7W8nJCQvTJxCD3ms4E9cKNhvPIBLrzXhPs8VOaIvRtOrr0xsR69tYV"
            "svEWDir2Qszk9InSjPCP8Az3UdSQ8fe4BvavLWz1EqW89fQ5IPU5ekrz9KsS96nKHPMuVvLz+5ag8g4U5PYwKiL0vC++9wYLFPRUpQb3"
            "+cWq8j9IPPKENUT0G8Fq9/rVmPbTaNz0mH4S84F1PPSYLSL2XYdW8SqB8PU5ZiTrEejS9jh+IvU/wHz0fUW69Y03wvAYBpryR3U693Rr"
            "EvTJzzb3yGaE7eEVAPf9A/Dx31Hq9U+i7vKzoobwd2Lo9Mvuhvd5KITz8r4O9WPcLvJj2aT01szU8LokePZGmkT1mMSa9UW9Nva56l73"
            "RhWe8AhAVPVzoRD2nmDI9ngJnvaoHrDsJgCc9v1LovBB72j318mo9rvtIPV2MQT3QN6O9WqBPvabgDb1Zlfy8XD7fvMExjz0cCR896vr"
            "HvXbuU71jawC9v2WAPWzuhT3ULh69lKOgvcjs7jzpd5Q8C7qiPDwYnz05jhw9LiHLvPgEQLxXQVM9NKDqvFzYAbxcIdm78p8wvdqw7jz"
            "5Bky9g00UPb0pyjyKlyO97ZiEPQ+8kr3Fd5U9rRmEvY7qI73Fq+w61ixmu7n/pL2ImB0822n5PJ/TIj1qoI48vs06PV6ygD1G/GQ8af6"
            "KvSwcbr1hQq48rg1pPSLSiLzm5IS8Bt6NvYbqHr1+iqu9OCs/ve1LpzzPcNK9HmRUPaCWgj3CEB69wl/hvBbPIj1nfqk7yMcYPRh4r71"
            "m1Jy9emo0PQCnYb0ytdy8D0jyuxVkXj3HnKa9DiKWvY9IKDwm92w9snuGvUEsDz10G0y8P2NovXqOPj0dbEW90R29vFGOBz3pFNm8J46"
            "HvULpkzwgEWo9TbmivKWO6TjtLNC8kjtdvO0Ffz1o5oA9saMVvcL23ru9kA09HIOgPWT4Gz22u4E9rRzvO04f6jnrXjI95HuKvXLkVz1"
            'p/H49hyhPveuRDrxBIbi8Ku3MuecljL2Wll09x4wUvd9Vnr0VVLE8ukExPQu+0z1W8HY9"}\n'
            '{"format": "omoide.memory", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000003", "tenant": "defau'
            'lt", "cube": "default", "user_id": "user_123", "session_id": "session_456", "kind": "turn", "content": "'
            '明日の試験が不安です…\\n準備してきたから大丈夫ですよ。応援しています！", "user_message": "明日の試験が不'
            '安です…", "ai_message": "準備してきたから大丈夫ですよ。応援しています！", "content_type": "text", "tier"'
            ': "long_term", "tags": [], "metadata": {}, "importance": 0.5, "emotions": [{"label": "fear", "score": 0.'
            '6454}], "summary": "明日の試験が不安です…", "created_at": "2025-11-17T10:00:00+00:00", "updated_at": "20'
            '25-11-17T10:00:00+00:00", "expires_at": null, "last_accessed_at": "2025-11-17T10:00:00+00:00", "access_c'
            'ount": 1, "reinforce_count": 0, "embedding_model": "omoide/multilingual-e5-small-q4", "embedding": "ldrV'
            "PHzQDLzCLUO9tWy3vM3PkD1o7a69//wMPYwTCz1+BMA9j17zu1u0Uz2DlRi8qn60PWBQ+LyimDG9d6sfPSpHuD17FTa9X2BTvf75IL23"
            "f+s8dhjbPJQ8Eb0CcJk8lPWQPbOwqD2E3uG7Tvx5PJwY0jrNi+C9Hox1vS7SHL3gg409ebqRvca8hj2bG2U8Y1KnvDfQMr1gvWM9NG8e"
            "uxL6H73Dea48zr3zPDOrhD1o1588MrHRPbxzGL3s+lM99tSFvfLR+zvFN8288IGFPeKgmDyc04c9AoTHPA8rKr2Xj1W9T4bHvQWRv73q"
            "5q89srJ9PX6Xnbyjt4689QxmPWnd0j1vxKk8hhLlPGwadD0qWpe9stvDvDkBOb3FtuI8nyOLvOOMWr2I3Am6lkwzPa0fgj0ncjK9ukiB"
            "PcT9EL3YtLq9hRVMvUjKSr2RlPg8L+v7vFsGOz19Jg89PtdpvQ9f6j1764281jPTPeWNNT13A469XPSHvd9mhb290UK947UPvTBdhD3j"
            "W3E9PgbMvKtIyz0mtBO9NXr3PJrz4b2mXo69okQ0PSNaKD2lUme9IthsPfDfqL3mhd+8eH/vPPCNkD3aUGC6R4ZcvTXUEL1ddAS9C4QV"
            "vaxFwTzG6h690BqNPYOZ2rx+zwK9HbNqvfKMgL1DjoO8ex/vPChQdT0IBjE9VInGvGnzEj23LAc93OcRvCJ38zzrK2c9JXKvPVXXuLvX"
            "VYs8XqWovKWjBLxYDAy9GpZSPcwb0Ls9B149EfQAPSrLCz0FjYM9S40EvbWliz2A7uu85HMPPajqsLwi8io91o7pPNIzebziJ3y7EDRV"
            "vc+uC725YyQ9Bi9TPVqGWr3DvZy9zdi6vV02Gr3BNFW9Sbdnvf0jmTwU3Go9ylyLve1HGb31hum8fk8rPYnkKL2Y9d48re69vDKsOD0h"
            "GkS9L701Pdwyyz3lMR48jTKwPNsPeTp2+8O9UvYcvYeAnb1+MQ+8MotFvbyswzyxtHk9HqWnvUa5JzvKVbs8v/QLvZwnmL2D7z29OS4P"
            "PHmTZL0Hyzg9tRpLPcnV9DxxBCe7cdrRu9XYAD3YlaY9HLAiPZkJxbyKE4S9UYRcPDMEJr3yE2u8+1IwPcb4n7290vu9UAahPdukFL27"
            "fVk8zPUVvV2stzzodLW7PWmqPUW7TD33H5a86ZIePJFmo71IaPe8jCGGPT62xjy7H1W92VFLvIxCojxjXIi9pAHVvLqSHb1tFqa9T5Bf"
            "vciNRL3wEo08qlwdPd13gDyG0Ba9QsIZvdyXjb3LTYg9gVpdvWwzGj2DCh69gH95vWamijtPQ8a77QCFPUTjND0OoTW9ASekvWOtjr2D"
            "ix+9LG1NPaR6Nj3Jx408PlWUvdp2DrwyTa48luZcO/qUpD0/FRM9dh12PdfNRjyCjZO9xji2vOgT/7zxMCm84PhavfeYIj0+eKk99sNr"
            "vV3lQL2iqcS8PMFbPf5MkT1WykS9jHMFvTJpiz1wnBy827IzOy98gT0BzjM9AtPHPLG1Pr22Ml89a9dkOtDmmrwnpVe98lAwvXc4aTvh"
            "8qy62RhWPYHghjredX8711NXPeO2oL1cgao9QjoTvd4Gib1ttJI8B3diPa6FrL3SQti6XWsdPa4oET3Bxa48VAJyPSyDEz31nh89z+yG"
            "vUG4iL0hDB49THSWPSV9FTs/pjK7E6qtvUkLh73q3KS97LMKvUPC6TtnGly9XxItPRseTT0EZEq975hevSDFeD3m3jM9WN/oPAXsbr0C"
            "oGC9Fl7ePdAUVr2YoXS9z3J5PNmWFj289UC9HRhAvXtYjzxP/EM9b0iwvX0w+TxBKsC8bRBcvcpp8zzVI7+8XjUjvYEehz3Tfg09t+Op"
            "va0YbT2Ral898oMyvSNJJz0cx4K94UMUvU6Atj1erR89i1CavUV5Vzt4EBY8uot4PWgezjz/1aI9zeOivMkgwDyhdzU9FXhqvSNhij20"
            'Pyk9CoJSvX6J8ruTULe8DoM8vbHe47zN4xc91i7ovKTa0L0Ku6A9G3KjPTMOwD3eR2c9"}\n'
        ),
    ),
    "POST /admin/api-keys": OpExample(
        summary="A key for one persona of one tenant",
        request={"name": "vtuber", "tenants": ["default"], "personas": ["listy"], "expires_days": 90},
        response={
            "id": "550e8400-e29b-41d4-a716-000000000010",
            "name": "vtuber",
            "key": "omo_VtuberKeyExampleOnly00000000000000000000000",
            "prefix": "omo_Vtuber",
            "admin": False,
            "tenants": ["default"],
            "personas": ["listy"],
            "created_at": "2025-11-17T10:00:01Z",
            "expires_at": "2026-02-15T10:00:01Z",
            "read_only": False,
            "require_signature": False,
        },
    ),
    "GET /admin/api-keys": OpExample(
        summary="Every key (never the secret)",
        response={
            "keys": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000011", "name": "admin (first start)",
                    "prefix": "omo_AdminK", "admin": True, "tenants": None, "personas": None,
                    "created_at": "2025-11-17T09:59:59Z", "expires_at": None, "revoked_at": None, "read_only": False,
                    "require_signature": False,
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000005", "name": "my-app-server", "prefix": "omo_MyAppS",
                    "admin": False, "tenants": None, "personas": None, "created_at": "2025-11-17T10:00:00Z",
                    "expires_at": "2026-02-15T10:00:00Z", "revoked_at": "2025-11-17T10:00:00Z", "read_only": False,
                    "require_signature": False,
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000010",
                    "name": "vtuber",
                    "prefix": "omo_Vtuber",
                    "admin": False,
                    "tenants": ["default"],
                    "personas": ["listy"],
                    "created_at": "2025-11-17T10:00:01Z",
                    "expires_at": "2026-02-15T10:00:01Z",
                    "revoked_at": None,
                    "read_only": False,
                    "require_signature": False,
                },
            ],
        },
    ),
    "DELETE /admin/api-keys/{key_id}": OpExample(
        summary="Revoke a key",
        params={"key_id": "550e8400-e29b-41d4-a716-000000000010"},
        response={
            "id": "550e8400-e29b-41d4-a716-000000000010",
            "name": "vtuber",
            "prefix": "omo_Vtuber",
            "admin": False,
            "tenants": ["default"],
            "personas": ["listy"],
            "created_at": "2025-11-17T10:00:01Z",
            "expires_at": "2026-02-15T10:00:01Z",
            "revoked_at": "2025-11-17T10:00:01Z",
            "read_only": False,
            "require_signature": False,
        },
    ),
    "GET /admin/settings": OpExample(
        summary="The settings in force (secrets hidden)",
        response={
            "settings": {
                "data_dir": "./data", "database_url": None, "embedding_model": "omoide/multilingual-e5-small-q4",
                "fusion": "score", "discord_token": None, "api_host": "127.0.0.1", "api_port": 8000,
                "api_emotion_names": "ja", "api_rate_limit_per_minute": 0, "timezone": None,
                "default_persona": "cocoro", "llm_base_url": None, "llm_api_key": None,
            },
        },
    ),
    "GET /admin/audit": OpExample(
        summary="The two latest audit entries",
        params={"limit": 2, "offset": 0},
        response={
            "entries": [
                {
                    "at": "2025-11-17T10:00:01Z",
                    "actor": "key:550e8400-e29b-41d4-a716-000000000011",
                    "method": "DELETE",
                    "path": "/admin/api-keys/550e8400-e29b-41d4-a716-000000000010",
                    "status": 200,
                    "tenant": None,
                    "target": "api key 550e8400-e29b-41d4-a716-000000000010",
                    "client_ip": "127.0.0.1",
                    "request_id": "9ab6c44312a7531e679ba134b1a16907",
                },
                {
                    "at": "2025-11-17T10:00:01Z", "actor": "key:550e8400-e29b-41d4-a716-000000000011",
                    "method": "POST", "path": "/admin/api-keys", "status": 201, "tenant": None,
                    "target": "api key 550e8400-e29b-41d4-a716-000000000010", "client_ip": "127.0.0.1",
                    "request_id": "aff341eb5077ca66a56f01328f2ba20c",
                },
            ],
            "total": 14,
        },
    ),
    "POST /admin/reindex": OpExample(
        summary="Rebuild every index",
        response={"cubes_rebuilt": 3},
    ),
    "DELETE /admin/users/{user_id}": OpExample(
        summary="Forget one user in a tenant",
        params={"user_id": "user_123", "tenant_id": "default"},
        response={"user_id": "user_123", "tenant_id": "default", "deleted_count": 3},
    ),
}
