"""The simulation: what really happens on the platform, before any export.

Users register, watch live channels, chat, send gifts and top up; their
membership level follows their cumulative successful spend and decays after
inactivity. Streamers (one channel each, most under an agency with a
contracted take rate) earn gift revenue that is settled per streamer-day.

The world is simulated day by day (state: spend, level, last activity) but each
day is vectorised over users with numpy. Money is kept as integer cents here;
``truth.py`` casts it to ``Decimal(18,2)``. The frames hold canonical values
only; how they are spelled in a workbook is ``cells.py``'s job, and which
export shows which version (pending then success, preliminary then final
aggregates) is ``plan.py``'s.

Deliberate anomalies (gross mismatches, arithmetic breaks, one-sided
streamer-days, one agency take-rate spike) are part of the world: they are
data an analyst must find, not bad input, and are listed in ``anomalies``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from simulator.scales import Scale
from simulator.vocab import CATEGORIES, COLUMNS, LEVELS, PAYMENT_METHODS, PLATFORMS

# cumulative successful spend (TWD) that reaches each level
LEVEL_THRESHOLDS = np.array([0, 1_000, 5_000, 20_000, 60_000], dtype=np.float64)
DECAY_DAYS = 14  # a level drops one rank after this many days without activity
PRICES = np.array([30, 90, 150, 300, 490, 990, 1490, 2990, 4990, 9990], dtype=np.int64)
GIFT_PRICES = np.array([1, 5, 10, 50, 99, 199, 520, 1314], dtype=np.int64)
GIFT_WEIGHTS = np.array([30, 20, 18, 12, 8, 6, 4, 2], dtype=np.float64)
COIN_CENTS = 35  # one gift coin is worth NT$0.35 of streamer gross revenue
PROMO_CODES = ("SPRING25", "NEWUSER", "LIVE520", "VIPBOOST")
INDEPENDENT_TAKE = 0.45

AGENCY_NAMES = (
    "星光娛樂",
    "Nova Entertainment",
    "極光傳媒",
    "Moonlight Agency",
    "藍海娛樂",
    "Apex Live",
    "閃耀經紀",
    "Velvet Talent",
)
_NAME_A = ("小", "阿", "大", "Miss ", "DJ ", "Lil ", "美美", "Coco", "糖糖", "Kiki", "Momo", "Yuki")
_NAME_B = (
    "雨",
    "Ken",
    "熊",
    "Luna",
    "貓",
    "Ray",
    "甜心",
    "Joe",
    "桃子",
    "Max",
    "芒果",
    "Nana",
    "星",
    "Leo",
    "月",
    "Amy",
    "豆",
    "Zoe",
    "魚",
    "Ivy",
    "虎",
    "Sam",
    "花",
    "Tina",
    "龍",
    "Eric",
    "鹿",
    "Bella",
    "狐",
    "Nick",
    "莓",
    "Ann",
    "兔",
    "Jay",
    "橘",
    "Mia",
    "葉",
    "Ben",
    "雪",
    "Kai",
)


@dataclass
class World:
    scale: Scale
    sim_start: date  # first simulated day (prelude start)
    users: pl.DataFrame  # user_id, registered_ts (datetime, local)
    streamers: pl.DataFrame  # streamer_id, streamer_name, agency, take_rate, channel_id
    channels: pl.DataFrame  # channel_id, channel_name, category, streamer_id
    top_up: pl.DataFrame  # canonical columns (amount in cents) + status_v0/status_later + day
    pre_deduction: pl.DataFrame  # canonical (gross in cents)
    post_deduction: pl.DataFrame  # canonical (cents) + settlement_v0/settlement_later
    channel_stats: pl.DataFrame
    user_activity: pl.DataFrame
    anomalies: pl.DataFrame  # kind, report_date, streamer_id, agency, detail
    spike_agency: str

    @property
    def window_dates(self) -> list[date]:
        return [self.scale.start + timedelta(days=i) for i in range(self.scale.days)]

    @property
    def prelude_dates(self) -> list[date]:
        return [self.sim_start + timedelta(days=i) for i in range(self.scale.prelude_days)]


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def _level_of(cum: np.ndarray) -> np.ndarray:
    return (np.searchsorted(LEVEL_THRESHOLDS, cum, side="right") - 1).astype(np.int8)


def _make_streamers(scale: Scale, rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = scale.streamers
    names = [a + b for a in _NAME_A for b in _NAME_B]
    pick = rng.permutation(len(names))[:n]
    snames = [names[i] for i in pick]
    takes = rng.choice(np.arange(30, 51, 2), size=scale.agencies, replace=False) / 100
    agency_idx = np.where(rng.random(n) < 0.72, rng.integers(0, scale.agencies, n), -1)
    # the spike agency (0) gets a solid roster so it has a take rate every day
    agency_idx[: max(5, n // 8)] = 0
    agencies = [AGENCY_NAMES[i] if i >= 0 else None for i in agency_idx]
    take = [float(takes[i]) if i >= 0 else INDEPENDENT_TAKE for i in agency_idx]
    sids = [f"88{10000 + i * 7 + 1:05d}" for i in range(n)]
    cids = [f"CH{1001 + i}" for i in range(n)]
    cats = rng.choice(len(CATEGORIES), size=n, p=[0.25, 0.25, 0.3, 0.08, 0.12])
    cnames = [f"{nm}的直播間" if i % 3 else f"{nm.strip()} Live" for i, nm in enumerate(snames)]
    streamers = pl.DataFrame(
        {
            "streamer_id": sids,
            "streamer_name": snames,
            "agency": agencies,
            "take_rate": take,
            "channel_id": cids,
        }
    )
    channels = pl.DataFrame(
        {
            "channel_id": cids,
            "channel_name": cnames,
            "category": [CATEGORIES[c] for c in cats],
            "streamer_id": sids,
        }
    )
    return streamers, channels


def simulate(scale: Scale, seed: int) -> World:
    """Run the world for prelude + window days and return its canonical frames."""
    rng = _rng(seed, 1)
    n_days = scale.prelude_days + scale.days
    sim_start = scale.start - timedelta(days=scale.prelude_days)
    day0 = np.datetime64(sim_start, "s")

    streamers, channels = _make_streamers(scale, _rng(seed, 2))
    n_s = scale.streamers
    popularity = 1.0 / np.arange(1, n_s + 1) ** 0.8
    popularity = popularity[_rng(seed, 3).permutation(n_s)]
    live_base = np.where(streamers["agency"].to_numpy() == AGENCY_NAMES[0], 0.9, 0.72)
    take_rate = streamers["take_rate"].to_numpy()

    # ---- users: ids in registration order
    n_before, n_new = scale.users_before, scale.users_new
    n_u = n_before + n_new
    reg_before = day0 - rng.integers(3600, 700 * 86400, n_before).astype("timedelta64[s]")
    day_w = np.array(
        [1.4 if (sim_start + timedelta(days=i)).weekday() >= 5 else 1.0 for i in range(n_days)]
    )
    reg_day_new = rng.choice(n_days, size=n_new, p=day_w / day_w.sum())
    reg_new = (
        day0
        + (reg_day_new * 86400).astype("timedelta64[s]")
        + rng.integers(0, 86400, n_new).astype("timedelta64[s]")
    )
    reg_ts = np.sort(np.concatenate([reg_before, reg_new]))
    reg_day = (reg_ts - day0).astype(np.int64) // 86400  # negative = before the prelude
    user_ids = np.array([str(1_000_001 + i) for i in range(n_u)], dtype=object)

    act = np.clip(rng.beta(1.3, 2.6, n_u) * scale.active_rate * 2.2, 0.01, 0.95)
    payer_w = np.where(rng.random(n_u) < 0.62, rng.lognormal(0.0, 0.8, n_u), 0.0)
    payer_w = payer_w / max(payer_w.mean(), 1e-9)
    spend_mu = np.clip(rng.normal(3.2, 1.3, n_u) + 0.4 * np.log1p(payer_w), 0, len(PRICES) - 1)
    chat = rng.lognormal(0.0, 0.7, n_u)
    gift_p = np.clip(rng.beta(1.2, 5.0, n_u) * (0.5 + payer_w / 2), 0, 0.9)
    plat_pref = rng.choice(3, size=n_u, p=[0.45, 0.45, 0.10])
    churn = np.full(n_u, 10**6)
    churners = rng.random(n_u) < 0.14
    churn[churners] = rng.integers(scale.prelude_days, n_days, churners.sum())
    # a few loyal big spenders who stop coming: the drop-offs medium must show
    whales = np.argsort(-(payer_w * act))[: max(6, n_u // 150)]
    churn[whales[::2]] = rng.integers(
        scale.prelude_days, scale.prelude_days + max(1, scale.days // 3), len(whales[::2])
    )
    cum = np.where(reg_day < 0, rng.lognormal(6.0, 1.6, n_u) * (payer_w > 0), 0.0)
    level = _level_of(cum)
    last_seen = np.zeros(n_u, dtype=np.int64)
    registered_before = reg_day < 0

    topups, uas, css, pres, posts = [], [], [], [], []
    order_seq = 0
    for t in range(n_days):
        d = sim_start + timedelta(days=t)
        r = _rng(seed, 100, t)
        weekend = d.weekday() >= 5
        # inactivity decay, before today's activity
        decay = (level > 0) & (t - last_seen >= DECAY_DAYS) & (reg_day < t)
        level[decay] -= 1
        cum[decay] = LEVEL_THRESHOLDS[level[decay]]
        last_seen[decay] = t

        registered = reg_day <= t
        retained = churn > t
        p = act * (1.35 if weekend else 1.0)
        p = np.where(reg_day == t, 0.9, p)
        active = registered & retained & (r.random(n_u) < p)
        a_idx = np.flatnonzero(active)

        live = r.random(n_s) < np.clip(live_base + (0.08 if weekend else 0.0), 0, 0.97)
        for ag in set(streamers["agency"].drop_nulls().to_list()):
            mask = streamers["agency"].to_numpy() == ag
            if not (live & mask).any():
                live[np.flatnonzero(mask)[0]] = True
        live_idx = np.flatnonzero(live)
        w_live = popularity[live_idx] / popularity[live_idx].sum()

        # ---- watching: (user, channel) pairs
        k = r.choice(4, size=a_idx.size, p=[0.07, 0.5, 0.3, 0.13])
        pu = np.repeat(a_idx, k)
        pc = live_idx[r.choice(live_idx.size, size=pu.size, p=w_live)]
        key = np.unique(pu.astype(np.int64) * 100_000 + pc)
        pu, pc = key // 100_000, key % 100_000
        minutes = np.clip(r.lognormal(3.0, 0.9, pu.size).astype(np.int64) + 1, 1, 600)
        msgs = r.poisson(minutes * chat[pu] / 18.0)
        n_gifts = np.where(r.random(pu.size) < gift_p[pu], 1 + r.poisson(1.2, pu.size), 0)
        gift_ev = np.repeat(np.arange(pu.size), n_gifts)
        prices = GIFT_PRICES[
            r.choice(len(GIFT_PRICES), size=gift_ev.size, p=GIFT_WEIGHTS / GIFT_WEIGHTS.sum())
        ]
        coins = np.bincount(gift_ev, weights=prices, minlength=pu.size).astype(np.int64)

        # ---- top-ups (levels change with successful spend)
        tp = np.clip(scale.topups_per_active / 1.35 * payer_w, 0, 0.95)
        buyers = np.flatnonzero(active & (r.random(n_u) < tp))
        idle = np.flatnonzero(
            registered & retained & ~active & (payer_w > 0) & (r.random(n_u) < 0.004)
        )
        buyers = np.concatenate([buyers, idle])
        extra = 0.35 + 0.4 * max(0.0, scale.topups_per_active - 1.0)  # heavy payers buy often
        n_orders = 1 + r.poisson(extra, buyers.size)
        ou = np.repeat(buyers, n_orders)
        n_o = ou.size
        hours = r.choice(24, size=n_o, p=_HOUR_P)
        secs = hours * 3600 + r.integers(0, 3600, n_o)
        secs = np.where(r.random(n_o) < 0.05, secs - secs % 60, secs)  # whole-minute stamps
        new_today = reg_day[ou] == t
        reg_sec = (reg_ts[ou] - (day0 + np.timedelta64(t * 86400, "s"))).astype(np.int64)
        secs = np.where(
            new_today, reg_sec + ((86399 - reg_sec) * r.random(n_o)).astype(np.int64), secs
        )
        order = np.lexsort((secs, ou))
        ou, secs = ou[order], secs[order]
        platform = np.where(r.random(n_o) < 0.9, plat_pref[ou], r.integers(0, 3, n_o))
        pm = _payment_methods(platform, r)
        tier = np.clip(np.rint(r.normal(spend_mu[ou], 1.3)), 0, len(PRICES) - 1).astype(np.int64)
        price = PRICES[tier]
        promo_i = np.where(r.random(n_o) < 0.08, r.integers(0, len(PROMO_CODES), n_o), -1)
        amount_c = price * 100
        disc = promo_i >= 0
        amount_c = np.where(
            disc, np.rint(price * 100 * np.where(promo_i % 2 == 0, 0.95, 0.9)), amount_c
        ).astype(np.int64)
        coin_rate = np.where(platform == 0, 2.4, 3.0)
        o_coins = np.rint(price * coin_rate).astype(np.int64)
        bonus = np.where(price >= 990, o_coins // 10, 0) + np.where(disc, o_coins // 20, 0)
        st0 = np.where(r.random(n_o) < 0.06, 1, 0)  # 0 success 1 failed 3 pending
        pend_p = np.where(pm == PAYMENT_METHODS.index("convenience_store"), 0.4, 0.025)
        st0 = np.where((st0 == 0) & (r.random(n_o) < pend_p), 3, st0)
        u_later = r.random(n_o)
        st_later = np.where(
            st0 == 3,
            np.where(u_later < 0.78, 0, np.where(u_later < 0.9, 1, 3)),
            np.where((st0 == 0) & (u_later < 0.035), 2, st0),
        )
        # level at paying time: spend before this order (earlier same-day successes count)
        paid = np.where(st0 == 0, amount_c / 100.0, 0.0)
        csum = np.cumsum(paid)
        first = np.r_[True, ou[1:] != ou[:-1]]
        grp_start = np.maximum.accumulate(np.where(first, np.arange(n_o), 0))
        before_today = csum - paid - (csum[grp_start] - paid[grp_start])
        lvl_pay = _level_of(cum[ou] + before_today)
        np.add.at(cum, ou, paid)
        level = np.maximum(level, _level_of(cum))
        # room attribution: one of the channels the user watched today, or none
        first_pair = {}
        for u_, c_ in zip(pu.tolist(), pc.tolist(), strict=True):
            first_pair.setdefault(u_, c_)
        room = np.array([first_pair.get(u_, -1) for u_ in ou.tolist()], dtype=np.int64)
        room = np.where(r.random(n_o) < 0.65, room, -1)
        ids = _order_ids(d, order_seq, pm, r)
        order_seq += n_o
        ts = day0 + (np.int64(t) * 86400 + secs).astype("timedelta64[s]")
        topups.append(
            pl.DataFrame(
                {
                    "order_id": ids,
                    "user_id": user_ids[ou].tolist(),
                    "topup_at": ts.astype("datetime64[us]"),
                    "amount": amount_c,
                    "coins": o_coins,
                    "bonus_coins": bonus.astype(np.int64),
                    "payment_method": [PAYMENT_METHODS[i] for i in pm],
                    "platform": [PLATFORMS[i] for i in platform],
                    "status_v0": [_ST[i] for i in st0],
                    "status_later": [_ST[i] for i in st_later],
                    "channel_id": [None if c < 0 else f"CH{1001 + c}" for c in room.tolist()],
                    "membership_level": [LEVELS[i] for i in lvl_pay],
                    "promo_code": [PROMO_CODES[i] if i >= 0 else None for i in promo_i],
                    "day": np.full(n_o, t, dtype=np.int64),
                }
            )
        )
        seen = np.zeros(n_u, dtype=bool)
        seen[a_idx] = True
        seen[ou] = True
        last_seen[seen] = t
        if t < scale.prelude_days:
            continue

        # ---- user activity (end of day level)
        wm = np.bincount(pu, weights=minutes, minlength=n_u).astype(np.int64)
        nch = np.bincount(pu, minlength=n_u).astype(np.int64)
        ms = np.bincount(pu, weights=msgs, minlength=n_u).astype(np.int64)
        gc = np.bincount(pu, weights=coins, minlength=n_u).astype(np.int64)
        reg_date = (reg_ts[a_idx].astype("datetime64[D]")).astype("datetime64[D]")
        uas.append(
            pl.DataFrame(
                {
                    "report_date": np.full(a_idx.size, np.datetime64(d, "D")),
                    "user_id": user_ids[a_idx].tolist(),
                    "registered_at": reg_date,
                    "membership_level": [LEVELS[i] for i in level[a_idx]],
                    "watch_minutes": wm[a_idx],
                    "channels_watched": nch[a_idx],
                    "messages_sent": ms[a_idx],
                    "gifts_sent_coins": gc[a_idx],
                }
            )
        )

        # ---- channel stats for live channels
        viewers = np.bincount(pc, minlength=n_s)
        guests = r.poisson(viewers * 0.4 + 1.5)
        uv = (viewers + guests)[live_idx]
        peak = np.minimum(uv, np.rint(uv * r.uniform(0.15, 0.55, live_idx.size))).astype(np.int64)
        senders = np.bincount(pc, weights=(coins > 0), minlength=n_s).astype(np.int64)
        chat_m = np.bincount(pc, weights=msgs, minlength=n_s).astype(np.int64) + r.poisson(
            guests * 2.0
        )
        css.append(
            pl.DataFrame(
                {
                    "report_date": np.full(live_idx.size, np.datetime64(d, "D")),
                    "channel_id": [f"CH{1001 + c}" for c in live_idx],
                    "live_minutes": r.integers(45, 361, live_idx.size),
                    "unique_viewers": uv.astype(np.int64),
                    "peak_concurrent_viewers": peak,
                    "new_followers": r.binomial(uv, 0.04).astype(np.int64),
                    "chat_messages": chat_m[live_idx].astype(np.int64),
                    "gift_senders": senders[live_idx],
                }
            )
        )

        # ---- streamer-day revenue
        g_coins = np.bincount(pc, weights=coins, minlength=n_s).astype(np.int64)
        g_count = np.bincount(pc, weights=n_gifts, minlength=n_s).astype(np.int64)
        earners = np.flatnonzero(g_coins > 0)
        gross = g_coins[earners] * COIN_CENTS
        pres.append(
            pl.DataFrame(
                {
                    "report_date": np.full(earners.size, np.datetime64(d, "D")),
                    "s_idx": earners,
                    "gift_count": g_count[earners],
                    "gift_coins": g_coins[earners],
                    "gross_revenue": gross,
                }
            )
        )
        pf = np.rint(gross * take_rate[earners]).astype(np.int64)
        payfee = np.rint(gross * r.uniform(0.02, 0.045, earners.size)).astype(np.int64)
        payfee = np.where(r.random(earners.size) < 0.12, 0, payfee)
        credit = r.random(earners.size) < 0.03
        # a credit back to the streamer (negative fee): small next to the day's gross
        credit_c = np.maximum(100, np.rint(gross * r.uniform(0.005, 0.02, earners.size)))
        payfee = np.where(credit, -credit_c.astype(np.int64), payfee)
        tax = np.where(gross >= 200_000, np.rint((gross - pf - payfee) * 0.10), 0).astype(np.int64)
        s0 = r.choice(3, size=earners.size, p=[0.9, 0.05, 0.05])  # pending settled on_hold
        s_later = np.where(s0 == 0, np.where(r.random(earners.size) < 0.85, 1, 2), s0)
        posts.append(
            pl.DataFrame(
                {
                    "report_date": np.full(earners.size, np.datetime64(d, "D")),
                    "s_idx": earners,
                    "gross_revenue": gross,
                    "platform_fee": pf,
                    "payment_fee": payfee,
                    "tax_withheld": tax,
                    "net_revenue": gross - pf - payfee - tax,
                    "settlement_v0": [_SET[i] for i in s0],
                    "settlement_later": [_SET[i] for i in s_later],
                }
            )
        )

    top_up = pl.concat(topups)
    s_map = streamers.with_row_index("s_idx").with_columns(pl.col("s_idx").cast(pl.Int64))
    c_map = channels.select("channel_id", "channel_name", "category")
    pre = (
        pl.concat(pres)
        .join(s_map, on="s_idx")
        .join(c_map, on="channel_id")
        .select(
            "report_date",
            "s_idx",
            "streamer_id",
            "streamer_name",
            "channel_id",
            "channel_name",
            "agency",
            "gift_count",
            "gift_coins",
            "gross_revenue",
        )
    )
    post = pl.concat(posts).join(
        s_map.select("s_idx", "streamer_id", "channel_id", "agency"), on="s_idx"
    )
    pre, post, anomalies, spike_agency = _inject_anomalies(scale, pre, post, _rng(seed, 4))
    cs = pl.concat(css).join(c_map, on="channel_id").select(COLUMNS["channel_stats"])
    ua = pl.concat(uas)
    users = pl.DataFrame(
        {
            "user_id": user_ids.tolist(),
            "registered_ts": reg_ts.astype("datetime64[us]"),
            "registered_before_sim": registered_before,
        }
    )
    return World(
        scale=scale,
        sim_start=sim_start,
        users=users,
        streamers=streamers,
        channels=channels,
        top_up=top_up,
        pre_deduction=pre.drop("s_idx"),
        post_deduction=post,
        channel_stats=cs,
        user_activity=ua,
        anomalies=anomalies,
        spike_agency=spike_agency,
    )


_ST = ("success", "failed", "refunded", "pending")
_SET = ("pending", "settled", "on_hold")
_HOUR_W = np.array(
    [5, 4, 3, 2, 1, 1, 1, 2, 3, 3, 3, 4, 5, 5, 4, 4, 5, 6, 7, 9, 11, 12, 11, 8], dtype=np.float64
)
_HOUR_P = _HOUR_W / _HOUR_W.sum()
_PM_BY_PLATFORM = {  # platform index -> (method indices, weights)
    0: ([0, 2, 3], [0.8, 0.1, 0.1]),
    1: ([1, 3, 4, 6, 2], [0.6, 0.12, 0.12, 0.08, 0.08]),
    2: ([2, 3, 4, 5, 6], [0.35, 0.2, 0.15, 0.2, 0.1]),
}


def _payment_methods(platform: np.ndarray, r: np.random.Generator) -> np.ndarray:
    out = np.zeros(platform.size, dtype=np.int64)
    for p, (methods, w) in _PM_BY_PLATFORM.items():
        m = platform == p
        out[m] = r.choice(methods, size=int(m.sum()), p=w)
    return out


def _order_ids(d: date, seq0: int, pm: np.ndarray, r: np.random.Generator) -> list[str]:
    """Numeric-looking ids (13 digits, < 1e15) for most orders; store-issued text ids for
    Google Play (``GPA.``) and MyCard (``MC``) orders. Ids never change between exports."""
    prefix = f"{d:%y%m%d}"
    digits = r.integers(0, 10, size=(pm.size, 16))
    out = []
    for i, m in enumerate(pm.tolist()):
        seq = seq0 + i + 1
        if m == 1:
            g = "".join(map(str, digits[i]))
            out.append(f"GPA.{g[:4]}-{g[4:8]}-{g[8:12]}-{seq % 100000:05d}")
        elif m == 6:
            out.append(f"MC{prefix}{seq:08d}")
        else:
            out.append(f"{prefix}{seq:07d}")
    return out


def _inject_anomalies(
    scale: Scale, pre: pl.DataFrame, post: pl.DataFrame, r: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, str]:
    """Plant the breaks analysts hunt for; return the frames and the list of what was planted."""
    start = scale.start
    spike_agency = AGENCY_NAMES[0]
    spike_date = start + timedelta(days=scale.spike_day)
    rows: list[dict] = []
    # 1. take-rate spike: the agency's platform fee jumps to ~78% of gross on one day
    m = (pl.col("report_date") == spike_date) & (pl.col("agency") == spike_agency)
    pf_new = (pl.col("gross_revenue") * 0.78).round(0).cast(pl.Int64)
    post = post.with_columns(
        pl.when(m).then(pf_new).otherwise(pl.col("platform_fee")).alias("platform_fee"),
    ).with_columns(
        pl.when(m)
        .then(
            pl.col("gross_revenue")
            - pl.col("platform_fee")
            - pl.col("payment_fee")
            - pl.col("tax_withheld")
        )
        .otherwise(pl.col("net_revenue"))
        .alias("net_revenue"),
    )
    rows.append(
        {
            "kind": "take_rate_spike",
            "report_date": spike_date,
            "streamer_id": None,
            "agency": spike_agency,
            "detail": "platform_fee = 78% of gross",
        }
    )
    # candidates for the other anomalies: independents / other agencies, away from the spike
    keys = (
        post.filter(pl.col("agency").fill_null("") != spike_agency)
        .select("report_date", "s_idx", "streamer_id", "agency")
        .sort("report_date", "s_idx")
    )
    n_each = max(3, scale.days // 5)
    pick = r.choice(keys.height, size=4 * n_each, replace=False)
    groups = [keys[pick[i * n_each : (i + 1) * n_each].tolist()] for i in range(4)]
    # 2. gross mismatch: post's gross differs from pre's, post stays self-consistent
    g = (
        groups[0]
        .select("report_date", "s_idx")
        .with_columns(
            pl.Series("delta", r.integers(200, 10_001, n_each) * r.choice([-1, 1], n_each))
        )
    )
    post = (
        post.join(g, on=["report_date", "s_idx"], how="left")
        .with_columns(
            (pl.col("gross_revenue") + pl.col("delta").fill_null(0))
            .clip(lower_bound=0)
            .alias("gross_revenue"),
        )
        .with_columns(
            (
                pl.col("gross_revenue")
                - pl.col("platform_fee")
                - pl.col("payment_fee")
                - pl.col("tax_withheld")
            ).alias("net_revenue"),
        )
        .drop("delta")
    )
    for row in groups[0].iter_rows(named=True):
        rows.append({"kind": "gross_mismatch", **_akey(row), "detail": "post gross != pre gross"})
    # 3. arithmetic break: net off by 2..60 TWD
    b = (
        groups[1]
        .select("report_date", "s_idx")
        .with_columns(pl.Series("brk", r.integers(200, 6_001, n_each) * r.choice([-1, 1], n_each)))
    )
    post = (
        post.join(b, on=["report_date", "s_idx"], how="left")
        .with_columns(
            (pl.col("net_revenue") + pl.col("brk").fill_null(0)).alias("net_revenue"),
        )
        .drop("brk")
    )
    for row in groups[1].iter_rows(named=True):
        rows.append(
            {"kind": "arithmetic_break", **_akey(row), "detail": "net != gross - fees - tax"}
        )
    # 4./5. one-sided streamer-days
    pre = pre.join(
        groups[2].select("report_date", "s_idx"), on=["report_date", "s_idx"], how="anti"
    )
    post = post.join(
        groups[3].select("report_date", "s_idx"), on=["report_date", "s_idx"], how="anti"
    )
    for row in groups[2].iter_rows(named=True):
        rows.append({"kind": "post_only", **_akey(row), "detail": "no pre_deduction row"})
    for row in groups[3].iter_rows(named=True):
        rows.append({"kind": "pre_only", **_akey(row), "detail": "no post_deduction row"})
    post = post.select(
        "report_date",
        "streamer_id",
        "channel_id",
        "gross_revenue",
        "platform_fee",
        "payment_fee",
        "tax_withheld",
        "net_revenue",
        "settlement_v0",
        "settlement_later",
    )
    anomalies = pl.DataFrame(
        rows,
        schema={
            "kind": pl.String,
            "report_date": pl.Date,
            "streamer_id": pl.String,
            "agency": pl.String,
            "detail": pl.String,
        },
    ).sort("kind", "report_date", "streamer_id", nulls_last=True)
    return pre, post, anomalies, spike_agency


def _akey(row: dict) -> dict:
    return {
        "report_date": row["report_date"],
        "streamer_id": row["streamer_id"],
        "agency": row["agency"],
    }
