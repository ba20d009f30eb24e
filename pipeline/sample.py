"""Synthetic sample data for kuozhao: reference tables and dirty raw submissions.

``write_sample`` invents a quota table of about twenty technical schools, a majors table, and
eight monthly folders of enrollment rosters (2019-09 … 2020-04) shaped like real submissions:
several encodings and XLSX, varying Chinese headers, printed-form layouts, and a realistic
share of dirty, duplicated, re-sent and wrong rows. Everything is invented: school names carry
``示例`` ("example"), people are random combinations of common characters, ID numbers are
generated with a valid check digit from random birth dates, and phone numbers are masked.

Generation is vectorised with numpy over all rows; strings are built per file with numpy
string operations and written with pandas (CSV) or openpyxl (XLSX, kept to a bounded number
of rows). The same ``seed`` and ``rows`` give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import CLASS_TYPES, EDUCATION_KINDS, STATUSES, STUDY_MODES
from pipeline.io import fixed_workbook, reproducible_xlsx

TARGET = 4376
FOLDERS = ("2019-09", "2019-10", "2019-11", "2019-12", "2020-01", "2020-02", "2020-03", "2020-04")
XLSX_ROW_BUDGET = 30_000
FIXED_TIME = dt.datetime(2019, 9, 1, 0, 0, 0)
EPOCH = dt.date(1970, 1, 1)

# ---------------------------------------------------------------------------------------------
# Vocabulary (everything below is GBK-encodable: GBK files must be writable)
# ---------------------------------------------------------------------------------------------

# school_id, theme, school_type, ownership, district, Traditional full name
_SCHOOLS = (
    ("S01", "信息工程", "技师学院", "公办", "南岗区", "哈爾濱市示例信息工程技師學院"),
    ("S02", "机电", "技师学院", "公办", "香坊区", "哈爾濱市示例機電技師學院"),
    ("S03", "航空", "技师学院", "公办", "平房区", "哈爾濱市示例航空技師學院"),
    ("S04", "装备制造", "技师学院", "公办", "道里区", "哈爾濱市示例裝備製造技師學院"),
    ("S05", "冰雪旅游", "技师学院", "民办", "松北区", "哈爾濱市示例冰雪旅遊技師學院"),
    ("S06", "医药", "技师学院", "公办", "南岗区", "哈爾濱市示例醫藥技師學院"),
    ("S07", "汽车工程", "技师学院", "民办", "道外区", "哈爾濱市示例汽車工程技師學院"),
    ("S08", "建设", "高级技工学校", "公办", "道里区", "哈爾濱市示例建設高級技工學校"),
    ("S09", "商贸", "高级技工学校", "公办", "道外区", "哈爾濱市示例商貿高級技工學校"),
    ("S10", "交通运输", "高级技工学校", "公办", "香坊区", "哈爾濱市示例交通運輸高級技工學校"),
    ("S11", "电力", "高级技工学校", "公办", "平房区", "哈爾濱市示例電力高級技工學校"),
    ("S12", "新材料", "高级技工学校", "民办", "阿城区", "哈爾濱市示例新材料高級技工學校"),
    ("S13", "现代物流", "高级技工学校", "民办", "双城区", "哈爾濱市示例現代物流高級技工學校"),
    ("S14", "食品工业", "技工学校", "公办", "呼兰区", "哈爾濱市示例食品工業技工學校"),
    ("S15", "农垦", "技工学校", "公办", "双城区", "哈爾濱市示例農墾技工學校"),
    ("S16", "烹饪", "技工学校", "民办", "道里区", "哈爾濱市示例烹飪技工學校"),
    ("S17", "家政服务", "技工学校", "民办", "南岗区", "哈爾濱市示例家政服務技工學校"),
    ("S18", "工艺美术", "技工学校", "公办", "道外区", "哈爾濱市示例工藝美術技工學校"),
    ("S19", "石化", "技工学校", "公办", "松北区", "哈爾濱市示例石化技工學校"),
    ("S20", "冰城", "技工学校", "民办", "阿城区", "哈爾濱市示例冰城技工學校"),
)
_TYPE_SHORT = {"技师学院": "技师学院", "高级技工学校": "高技", "技工学校": "技校"}
_TYPE_QUOTA = {"技师学院": 300.0, "高级技工学校": 220.0, "技工学校": 150.0}
SCHOOL_TYPES = ("技师学院", "高级技工学校", "技工学校")
LEVELS = ("初级工", "中级工", "高级工", "预备技师")
LEVELS_TRAD = ("初級工", "中級工", "高級工", "預備技師")
# allowed levels per school type (人社部发〔2019〕76号) and the mix drawn within them
_LEVEL_P = {
    "技师学院": (0.0, 0.0, 0.62, 0.38),
    "高级技工学校": (0.0, 0.55, 0.45, 0.0),
    "技工学校": (0.42, 0.58, 0.0, 0.0),
}
# levels each school type may NOT train (for planted errors), in SCHOOL_TYPES order
_NOT_ALLOWED = np.array([[0, 1], [0, 3], [2, 3]], dtype=np.int8)
UNKNOWN_SCHOOLS = (
    "哈尔滨市示例星光职业培训学校",
    "示例第二技工学校",
    "哈尔滨示例北方技工学校",
    "哈尔滨市示例技术学院",
)

# (major, aliases, industry)
MAJORS = (
    ("计算机网络应用", "网络应用|计算机网络", "信息"),
    ("计算机程序设计", "程序设计", "信息"),
    ("物联网技术应用", "物联网", "信息"),
    ("新材料加工与应用", "新材料加工", "新材料"),
    ("高分子材料加工", "", "新材料"),
    ("金融服务", "金融事务", "金融"),
    ("会计", "会计事务", "金融"),
    ("现代物流", "物流服务", "现代物流"),
    ("仓储与配送", "仓储配送", "现代物流"),
    ("农产品加工", "农产品深加工", "绿色农产品深加工"),
    ("食品加工与检验", "食品检验", "绿色农产品深加工"),
    ("数控加工", "数控", "先进装备制造"),
    ("机电一体化", "机电一体化技术", "先进装备制造"),
    ("焊接加工", "焊接", "先进装备制造"),
    ("模具制造", "", "先进装备制造"),
    ("生物制药", "生物制药技术", "现代生物医药"),
    ("药物制剂", "", "现代生物医药"),
    ("旅游服务与管理", "旅游服务", "特色文化和旅游"),
    ("酒店管理", "酒店服务", "特色文化和旅游"),
    ("冰雪运动服务", "", "特色文化和旅游"),
    ("工业机器人应用与维护", "工业机器人|机器人制造", "新兴专业"),
    ("3D打印技术应用", "3D打印", "新兴专业"),
    ("石墨烯材料应用", "石墨烯", "新兴专业"),
    ("无人机操控与维护", "无人机操控|无人机应用", "新兴专业"),
    ("家政服务", "家政", "现代服务"),
    ("餐饮服务", "中式烹调|烹饪", "现代服务"),
    ("电子商务", "电商", "现代服务"),
    ("汽车维修", "汽车维修与保养", "其他"),
    ("电气自动化设备安装与维修", "电气自动化", "其他"),
    ("美容美发", "", "其他"),
)
INDUSTRIES = (
    "信息", "新材料", "金融", "现代物流", "绿色农产品深加工", "先进装备制造", "现代生物医药",
    "特色文化和旅游", "新兴专业", "现代服务", "其他",
)
UNKNOWN_MAJORS = ("宠物养护", "电竞运营", "直播营销", "茶艺", "民航服务")

# target groups: four school-leaver groups, then the social groups
TARGET_GROUPS = (
    "应届初中毕业生", "往届初中毕业生", "应届高中毕业生", "往届高中毕业生",
    "退役军人", "下岗失业人员", "新生代农民工", "新型职业农民", "企业转岗转业人员",
)
TARGET_GROUPS_TRAD = (
    "應屆初中畢業生", "往屆初中畢業生", "應屆高中畢業生", "往屆高中畢業生",
    "退役軍人", "下崗失業人員", "新生代農民工", "新型職業農民", "企業轉崗轉業人員",
)
_TG_P = np.array([0.09, 0.16, 0.08, 0.17, 0.07, 0.11, 0.16, 0.08, 0.08])
# age at admission (completed years) per group: (low, high) inclusive
_TG_AGE = np.array([[15, 17], [16, 30], [17, 20], [19, 35]] + [[20, 45]] * 5)
UNKNOWN_TARGET_GROUPS = ("社会人员", "待业青年", "其他", "在职职工", "农民")

CLASS_TYPES_TRAD = ("普通班", "訂單班", "定向班", "委託班")
EDU_KINDS_TRAD = ("學制教育", "短期培訓")
STATUSES_TRAD = ("已註冊", "待註冊", "休學", "退學")
REGISTERED, PENDING, PAUSED, WITHDRAWN = 0, 1, 2, 3
DISABLED_STYLES = (("是", "否"), ("Y", "N"), ("1", "0"))

# (area code, weight): Harbin districts and counties (old and new codes), the rest of
# Heilongjiang (23…), and a few other provinces
_AREAS = (
    (230102, 12), (230103, 14), (230104, 10), (230108, 5), (230109, 5), (230110, 10),
    (230111, 6), (230112, 5), (230113, 4), (230183, 3), (230184, 4), (230123, 2), (230124, 1),
    (230125, 2), (230126, 2), (230127, 1), (230128, 1), (230129, 1), (230106, 1), (230107, 1),
    (230121, 1), (230182, 1), (230202, 2), (230602, 2), (231002, 1), (230803, 1),
    (220102, 1.5), (210102, 1.5), (150102, 1), (370102, 1), (410102, 1), (130102, 1),
    (510104, 0.5), (440106, 0.5),
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严武戴孔汤"
)
_GIVEN_M = (
    "伟刚勇毅俊峰强军平东文辉力明永健广志义兴良海山波宁贵福生龙全国胜学祥才发武新利清飞彬"
    "富顺信杰涛昌成康星光天达安岩中茂进林有坚和博诚先振壮思群豪心承乐功松善庆磊民友裕河哲"
    "江超浩亮政奇朗宏鸣朋斌栋维启克伦翔旭鹏泽晨辰建家树德行泰盛雄钧冠腾航"
)
_GIVEN_F = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱霞香月"
    "媛艳瑞佳嘉琼勤珍莉桂叶璐娅琦晶妍茜秋珊莎锦青倩婷婉颖露瑶怡雁蓓仪荷丹蓉君琴蕊薇梦岚馨"
    "韵悦冰爽羽希欣滢柔竹凝晓欢芸菲寒亚宜可舒影思丽"
)

# field → header spellings: (simplified, traditional[, alternative simplified, alternative trad])
FIELDS = (
    "school", "name", "id_number", "gender", "target_group", "disabled", "major", "level",
    "study_mode", "years", "class_type", "education_kind", "admission_date", "status",
)
HEADERS = {
    "school": ("学校名称", "學校名稱", "院校名称", "院校名稱"),
    "name": ("姓名", "姓名"),
    "id_number": ("身份证号", "身份證號", "公民身份号码", "公民身份號碼"),
    "gender": ("性别", "性別"),
    "target_group": ("生源类别", "生源類別", "招收对象", "招收對象"),
    "disabled": ("是否残疾人", "是否殘疾人"),
    "major": ("专业名称", "專業名稱", "专业", "專業"),
    "level": ("培养层次", "培養層次"),
    "study_mode": ("学习形式", "學習形式"),
    "years": ("学制", "學制"),
    "class_type": ("班级类型", "班級類型"),
    "education_kind": ("教育类别", "教育類別"),
    "admission_date": ("录取日期", "錄取日期"),
    "status": ("学籍状态", "學籍狀態"),
}
_ORDERS = (
    FIELDS,
    ("name", "gender", "id_number", "school", "target_group", "disabled", "major", "level",
     "study_mode", "years", "class_type", "admission_date", "status", "education_kind"),
    ("school", "name", "gender", "id_number", "major", "level", "years", "study_mode",
     "class_type", "target_group", "disabled", "admission_date", "status", "education_kind"),
)
_EXTRA_COLUMNS = ("联系电话", "备注")
_REMARKS = ("补录", "更正", "转专业", "已核对", "复核")

# planted quarantine-worthy errors, one per enrollment at most (rates per enrollment row)
DIRT_NONE, BAD_CHECK, SCI_ID, UNKNOWN_SCHOOL, OUT_OF_WINDOW = 0, 1, 2, 3, 4
IMPLAUSIBLE_AGE, LEVEL_NOT_ALLOWED, SHORT_TRAINING, BAD_DATE, UNKNOWN_GROUP = 5, 6, 7, 8, 9
DIRT_NAMES = (
    "none", "invalid_check_digit", "id_mangled_by_spreadsheet", "unknown_school",
    "out_of_window", "implausible_age", "level_not_allowed", "short_training", "bad_date",
    "unknown_target_group",
)
_DIRT_RATES = np.array([0.0, 0.006, 0.0015, 0.002, 0.003, 0.001, 0.003, 0.003, 0.0012, 0.003])
_DIRTY_SCHOOL_FACTOR = 6.0  # one school sends much dirtier data (fails the quality gate)

# date spellings: 0 2019-09-05, 1 2019/9/5, 2 2019.9.5, 3 2019年9月5日, 4 20190905,
# 5 Excel serial 43713, 6 2019-9-5
N_DATE_STYLES = 7
_CN_NUM = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

# enrollment-expansion window and intake cutoff
WINDOW_START = dt.date(2019, 9, 1)
WINDOW_END = dt.date(2020, 4, 30)
CUTOFF = dt.date(2019, 10, 20)


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _cn_day(n: int) -> str:
    if n <= 10:
        return _CN_NUM[n]
    if n < 20:
        return "十" + _CN_NUM[n - 10]
    return _CN_NUM[n // 10] + "十" + _CN_NUM[n % 10]


# ---------------------------------------------------------------------------------------------
# Reference tables
# ---------------------------------------------------------------------------------------------


def schools_frame(seed: int = 20190901) -> pd.DataFrame:
    """The synthetic quota table: ~20 invented schools whose quotas sum to 4376."""
    rng = np.random.default_rng([seed, 1])
    rows = []
    for sid, theme, stype, owner, district, trad in _SCHOOLS:
        full = f"哈尔滨市示例{theme}{stype}"
        short = f"示例{theme}{_TYPE_SHORT[stype]}"
        rows.append((sid, full, f"{short}|{trad}", stype, owner, district))
    df = pd.DataFrame(
        rows, columns=["school_id", "school_name", "aliases", "school_type", "ownership",
                       "district"]
    )
    base = np.array([_TYPE_QUOTA[t] for t in df["school_type"]])
    raw = base * rng.lognormal(0.0, 0.25, len(base))
    raw = raw * TARGET / raw.sum()
    quota = (np.floor(raw / 10) * 10).astype(int)
    quota[int(np.argmax(raw))] += TARGET - int(quota.sum())
    df["quota"] = quota
    return df


def majors_frame() -> pd.DataFrame:
    """The synthetic majors table mapping every major to an industry class."""
    return pd.DataFrame(list(MAJORS), columns=["major", "aliases", "industry"])


def _synthetic_note(seed: int, rows: int) -> str:
    return (
        "合成数据 / SYNTHETIC DATA\n\n"
        "本目录及 raw/ 下的全部数据均为虚构的合成数据，由 `kuozhao sample` 随机生成"
        f"（随机种子 seed={seed}，记录行数 rows≈{rows}）。学校名称（含“示例”字样）、"
        "姓名、身份证号、电话号码等均为编造，不对应任何真实的学校或个人；配额合计 "
        f"{TARGET} 与哈政办规【2019】20号的目标一致，但分配方式是虚构的。\n\n"
        "All data in this folder and under raw/ is synthetic: invented and randomly generated "
        f"by `kuozhao sample` (seed={seed}, rows~{rows}). School names (marked 示例, "
        "'example'), person names, ID numbers and phone numbers are made up and do not belong "
        f"to any real school or person. The quotas sum to the programme target of {TARGET}, "
        "but their allocation is invented. Do not publish results computed from it as facts.\n"
    )


# ---------------------------------------------------------------------------------------------
# Row generation (numeric, vectorised)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Data:
    """All generated rows as numeric arrays; strings are built per file later."""

    # persons
    id17: np.ndarray  # int64, 17 digits
    check: np.ndarray  # int8, 0-10 (10 = X)
    area: np.ndarray  # int32
    birth: np.ndarray  # int32 days since 1970
    male: np.ndarray  # bool
    legacy15: np.ndarray  # bool
    surname: np.ndarray
    given1: np.ndarray
    given2: np.ndarray  # -1 = single-character given name
    # enrollments
    e_person: np.ndarray
    e_school: np.ndarray
    e_adm: np.ndarray  # int32 days
    e_adm_bad: np.ndarray  # the same with the planted out-of-window dates
    e_tg: np.ndarray
    e_disabled: np.ndarray
    e_major: np.ndarray  # index into MAJORS, or len(MAJORS)+k for UNKNOWN_MAJORS[k]
    e_level: np.ndarray
    e_level_bad: np.ndarray  # with the planted levels the school type may not train
    e_mode: np.ndarray
    e_years: np.ndarray
    e_ctype: np.ndarray
    e_gender_flip: np.ndarray  # declared gender disagrees with the ID
    # raw rows
    r_enrol: np.ndarray
    r_folder: np.ndarray
    r_status: np.ndarray
    r_dirt: np.ndarray
    r_major: np.ndarray
    r_order: np.ndarray
    r_kind: np.ndarray  # 0 first submission, 1 re-sent in a later folder, 2 repeated in file


def _check_digits(id17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check values (10 means X) of 17-digit integers."""
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
    rest = id17.copy()
    total = np.zeros(len(id17), dtype=np.int64)
    for w in weights[::-1]:
        total += (rest % 10) * w
        rest //= 10
    return ((12 - total % 11) % 11).astype(np.int8)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _month_index(days: np.ndarray) -> np.ndarray:
    """Folder index (0 = 2019-09) of each day, clipped into the eight folders."""
    m = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return np.clip(m - (2019 - 1970) * 12 - 8, 0, len(FOLDERS) - 1).astype(np.int8)


def _top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """K indices drawn without replacement with probability ∝ weights (exponential race)."""
    k = int(min(k, int((weights > 0).sum())))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=len(weights)) / weights
    idx = np.argpartition(keys, k - 1)[:k]
    return np.sort(idx)


def _generate(seed: int, rows: int, schools: pd.DataFrame) -> tuple[_Data, dict]:
    rng = np.random.default_rng([seed, 2])
    n_schools = len(schools)
    quota = schools["quota"].to_numpy(float)
    stypes = schools["school_type"].to_numpy()

    # row budget: first submissions + second-school enrollments + repeats in file + re-sends
    f_resend, f_dup, f_cross = 0.15, 0.01, 0.005
    n_base = max(20, round(rows / (1 + f_resend + f_dup + f_cross)))
    n_cross = round(f_cross * n_base)
    n_dup = round(f_dup * n_base)
    n_enrol = n_base + n_cross
    n_resend = max(0, rows - n_enrol - n_dup)

    # per-school character: speed, fulfilment, data quality, withdrawals, resend habits
    perf = rng.uniform(0.35, 1.3, n_schools)
    autumn_share = np.clip(rng.normal(0.45, 0.1, n_schools), 0.25, 0.65)
    dirty_school = int(rng.integers(n_schools))
    quit_school = int((dirty_school + 1 + rng.integers(n_schools - 1)) % n_schools)
    dirt_factor = np.ones(n_schools)
    dirt_factor[dirty_school] = _DIRTY_SCHOOL_FACTOR
    withdraw_p = np.full(n_schools, 0.05)
    withdraw_p[quit_school] = 0.2
    resend_rate = rng.uniform(0.05, 0.3, n_schools)
    has_edu = rng.random(n_schools) < 0.6
    majors_pool = [rng.choice(len(MAJORS), 9, replace=False) for _ in range(n_schools)]

    # enrollments of the base persons
    share = quota * perf
    school = rng.choice(n_schools, n_base, p=share / share.sum()).astype(np.int16)

    # admission dates: autumn intake (≤ cutoff) or spring, with seasonal weights
    start, cut, end = _days(WINDOW_START), _days(CUTOFF), _days(WINDOW_END)
    aut_days = np.arange(start, cut + 1)
    aut_w = np.where(aut_days < start + 15, 2.0, 1.0)
    spr_days = np.arange(cut + 1, end + 1)
    _, spr_m, _ = _ymd(spr_days)
    spr_w = np.select([spr_m >= 10, spr_m == 1, spr_m == 2, spr_m == 3], [0.3, 0.2, 0.6, 1.0],
                      0.8)
    autumn = rng.random(n_base) < autumn_share[school]
    adm = np.where(
        autumn,
        rng.choice(aut_days, n_base, p=aut_w / aut_w.sum()),
        rng.choice(spr_days, n_base, p=spr_w / spr_w.sum()),
    ).astype(np.int32)

    # persons
    tg = rng.choice(len(TARGET_GROUPS), n_base, p=_TG_P / _TG_P.sum()).astype(np.int8)
    lo, hi = _TG_AGE[tg, 0], _TG_AGE[tg, 1]
    age_days = rng.integers(np.round(lo * 365.25 + 3), np.round((hi + 1) * 365.25 - 3))
    birth = (adm - age_days).astype(np.int32)
    male = rng.random(n_base) < 0.55
    area_codes = np.array([a for a, _ in _AREAS], dtype=np.int64)
    area_w = np.array([w for _, w in _AREAS], dtype=float)
    area = rng.choice(area_codes, n_base, p=area_w / area_w.sum())
    seq = rng.integers(0, 500, n_base) * 2 + male

    # enrollment attributes
    disabled = rng.random(n_base) < 0.025
    pool = np.stack(majors_pool)
    major = pool[school, rng.integers(0, pool.shape[1], n_base)].astype(np.int16)
    social = tg >= 4
    mode = (rng.random(n_base) < np.where(social, 0.35, 0.05)).astype(np.int8)
    years = rng.choice(np.arange(1, 7), n_base, p=[0.02, 0.2, 0.5, 0.18, 0.08, 0.02])
    ctype = rng.choice(4, n_base, p=[0.55, 0.2, 0.15, 0.1]).astype(np.int8)
    level = np.empty(n_base, dtype=np.int8)
    for t in SCHOOL_TYPES:
        sel = stypes[school] == t
        level[sel] = rng.choice(4, int(sel.sum()), p=_LEVEL_P[t])

    # second enrollments of a few persons in another school (cross-school duplicates)
    cross_person = rng.choice(n_base, n_cross, replace=False)
    cross_school = (school[cross_person] + 1 + rng.integers(0, n_schools - 1, n_cross)) % n_schools
    cross_adm = np.clip(adm[cross_person] + rng.integers(-20, 21, n_cross), start, end)
    e_person = np.concatenate([np.arange(n_base), cross_person]).astype(np.int32)
    e_school = np.concatenate([school, cross_school]).astype(np.int16)
    e_adm = np.concatenate([adm, cross_adm]).astype(np.int32)
    e_tg = tg[e_person]
    e_disabled = disabled[e_person]
    cross_major = pool[cross_school, rng.integers(0, pool.shape[1], n_cross)]
    e_major = np.concatenate([major, cross_major]).astype(np.int16)
    e_mode = mode[e_person]
    e_years = years[e_person].astype(np.int8)
    e_ctype = np.concatenate([ctype, rng.choice(4, n_cross)]).astype(np.int8)
    e_level = np.empty(n_enrol, dtype=np.int8)
    e_level[:n_base] = level
    for t in SCHOOL_TYPES:
        sel = np.flatnonzero(stypes[cross_school] == t)
        e_level[n_base + sel] = rng.choice(4, len(sel), p=_LEVEL_P[t])

    # folder: month of admission, sometimes reported one or two months late
    late = rng.choice(3, n_enrol, p=[0.82, 0.15, 0.03])
    e_folder = np.minimum(_month_index(e_adm) + late, len(FOLDERS) - 1).astype(np.int8)

    # planted quarantine-worthy errors (first enrollments only, one per enrollment)
    u, v = rng.random(n_base), rng.random(n_base)
    dirt = np.zeros(n_base, dtype=np.int8)
    for edu in (False, True):
        rates = _DIRT_RATES.copy()
        if not edu:
            rates[SHORT_TRAINING] = 0.0  # only visible where the column exists
        cum = np.cumsum(rates) / rates.sum()
        hit = (has_edu[school] == edu) & (u < rates.sum() * dirt_factor[school])
        dirt[hit] = np.searchsorted(cum, v[hit], side="right")
    dirt[cross_person] = DIRT_NONE  # keep the cross-school pairs otherwise clean
    e_dirt = np.concatenate([dirt, np.zeros(n_cross, dtype=np.int8)])

    # the wrong values of errors that a corrected re-send or repeat sets right
    e_adm_bad = e_adm.copy()
    e_level_bad = e_level.copy()
    sel = np.flatnonzero(e_dirt == OUT_OF_WINDOW)
    kind = rng.integers(0, 3, len(sel))
    e_adm_bad[sel] = np.select(
        [kind == 0, kind == 1],
        [_days(dt.date(2019, 8, 10)) + rng.integers(0, 22, len(sel)),  # before the window
         e_adm[sel] - 365],  # year typed as 2018
        _days(dt.date(2020, 5, 1)) + rng.integers(0, 25, len(sel)),  # after the window
    )
    sel = np.flatnonzero(e_dirt[:n_base] == IMPLAUSIBLE_AGE)
    young = rng.random(len(sel)) < 0.5
    bad_age = np.where(young, rng.integers(6, 12, len(sel)), rng.integers(66, 76, len(sel)))
    birth[sel] = adm[sel] - np.round(bad_age * 365.25 + rng.integers(10, 300, len(sel)))
    sel = np.flatnonzero(e_dirt == LEVEL_NOT_ALLOWED)
    type_of = np.array([SCHOOL_TYPES.index(t) for t in stypes])
    e_level_bad[sel] = _NOT_ALLOWED[type_of[e_school[sel]], rng.integers(0, 2, len(sel))]

    # ID numbers
    by, bm, bd = _ymd(birth)
    id17 = area * 10**11 + (by * 10000 + bm * 100 + bd) * 1000 + seq
    check = _check_digits(id17)
    # a spreadsheet only mangles numbers: IDs ending in X are text, give them a typo instead
    sci = e_dirt == SCI_ID
    sci_x = np.zeros(n_enrol, dtype=bool)
    sci_x[sci] = check[e_person[sci]] == 10
    e_dirt[sci_x] = BAD_CHECK
    old = np.flatnonzero((by < 1999) & (dirt == DIRT_NONE))
    legacy15 = np.zeros(n_base, dtype=bool)
    if len(old):
        legacy15[old[_top_k(rng, np.ones(len(old)), round(0.003 * n_base))]] = True

    # unknown majors and declared genders that disagree with the ID (warnings, kept)
    unk = rng.random(n_enrol) < 0.01
    e_major[unk] = len(MAJORS) + rng.integers(0, len(UNKNOWN_MAJORS), int(unk.sum()))
    e_gender_flip = rng.random(n_enrol) < 0.005

    # names
    surname = rng.integers(0, len(_SURNAMES), n_base).astype(np.int16)
    given1 = rng.integers(0, 150, n_base).astype(np.int16)
    given2 = np.where(rng.random(n_base) < 0.45, -1, rng.integers(0, 150, n_base)).astype(np.int16)

    # statuses: final state, and a first 待注册 for many of those re-sent later
    final = rng.choice(4, n_enrol, p=[0.88, 0.04, 0.03, 0.05]).astype(np.int8)
    quitting = rng.random(n_enrol) < withdraw_p[e_school]
    final[quitting] = WITHDRAWN
    final[(final == WITHDRAWN) & ~quitting] = REGISTERED
    recent = (e_folder == len(FOLDERS) - 1) & (rng.random(n_enrol) < 0.35)
    final[recent] = PENDING

    # re-sends: later folders, weighted to rows with errors (schools correct after feedback)
    w = resend_rate[e_school] * (e_folder < len(FOLDERS) - 1)
    w = w * np.where(e_dirt != DIRT_NONE, 3.0, 1.0)
    res = _top_k(rng, w, n_resend)
    n_resend = len(res)
    res_folder = np.minimum(
        e_folder[res] + rng.choice([1, 2, 3], n_resend, p=[0.7, 0.2, 0.1]), len(FOLDERS) - 1
    ).astype(np.int8)
    first_status = final.copy()
    was_pending = np.zeros(n_enrol, dtype=bool)
    was_pending[res] = rng.random(n_resend) < 0.6
    first_status[was_pending] = PENDING
    fixed = rng.random(n_resend) < 0.7
    persistent = np.isin(e_dirt[res], [IMPLAUSIBLE_AGE])
    res_dirt = np.where(fixed & ~persistent, DIRT_NONE, e_dirt[res]).astype(np.int8)

    # repeats inside one file: an exact copy or a corrected copy, placed later in the file
    dup = rng.choice(n_enrol, n_dup, replace=False)
    corrected = rng.random(n_dup) < 0.5
    dup_dirt = np.where(corrected, DIRT_NONE, e_dirt[dup]).astype(np.int8)
    dup_dirt[e_dirt[dup] == IMPLAUSIBLE_AGE] = IMPLAUSIBLE_AGE
    dup_major = e_major[dup].copy()
    new_major = corrected & (rng.random(n_dup) < 0.3)
    dup_major[new_major] = pool[e_school[dup[new_major]],
                                rng.integers(0, pool.shape[1], int(new_major.sum()))]

    r_enrol = np.concatenate([np.arange(n_enrol), res, dup]).astype(np.int32)
    data = _Data(
        id17=id17, check=check, area=area.astype(np.int32), birth=birth, male=male,
        legacy15=legacy15, surname=surname, given1=given1, given2=given2,
        e_person=e_person, e_school=e_school, e_adm=e_adm, e_adm_bad=e_adm_bad, e_tg=e_tg,
        e_disabled=e_disabled, e_major=e_major, e_level=e_level, e_level_bad=e_level_bad,
        e_mode=e_mode, e_years=e_years, e_ctype=e_ctype,
        e_gender_flip=e_gender_flip,
        r_enrol=r_enrol,
        r_folder=np.concatenate([e_folder, res_folder, e_folder[dup]]).astype(np.int8),
        r_status=np.concatenate([first_status, final[res], final[dup]]).astype(np.int8),
        r_dirt=np.concatenate([e_dirt, res_dirt, dup_dirt]).astype(np.int8),
        r_major=np.concatenate([e_major, e_major[res], dup_major]).astype(np.int16),
        r_order=np.concatenate([rng.random(n_enrol + n_resend), 1.0 + rng.random(n_dup)]),
        r_kind=np.concatenate([np.zeros(n_enrol), np.ones(n_resend), np.full(n_dup, 2)]).astype(
            np.int8),
    )
    planted = {name: int((data.r_dirt == k).sum()) for k, name in enumerate(DIRT_NAMES) if k}
    planted.update(
        cross_school_students=int(n_cross),
        repeated_in_file=int(n_dup),
        resent_later=int(n_resend),
        legacy_15_digit_rows=int(legacy15[e_person[r_enrol]].sum()),
        unknown_major_rows=int((data.r_major >= len(MAJORS)).sum()),
        gender_mismatch_rows=int(e_gender_flip[r_enrol].sum()),
        first_sent_pending_then_resent=int(was_pending.sum()),
    )
    traits = dict(
        has_edu=has_edu, dirty_school=dirty_school, quit_school=quit_school, students=n_base,
        planted=planted,
    )
    return data, traits


# ---------------------------------------------------------------------------------------------
# Files: per-file style, rendering of strings, writing
# ---------------------------------------------------------------------------------------------


@dataclass
class _FileStyle:
    """How one school's submission of one month looks."""

    school: int
    folder: int
    fmt: str  # csv-utf8, csv-bom, csv-gbk, xlsx
    header: str  # simp, trad, spaced
    alt_names: bool
    order: tuple[str, ...]
    has_edu: bool
    trad_values: bool
    alias_rate: float
    date_main: int
    date_cells: bool  # XLSX: real date cells rather than text
    years_suffix: float
    disabled_style: int
    lower_x: float
    crlf: bool
    printed: bool
    serial_col: bool
    extra_col: str | None
    multi_sheet: bool = False


def _styles(seed: int, counts: np.ndarray, traits: dict) -> list[_FileStyle]:
    """One style per (school, folder) file that has rows; formats mostly fixed per school."""
    rng = np.random.default_rng([seed, 3])
    n_schools = counts.shape[0]
    fmts = np.array(["csv-utf8"] * 6 + ["csv-bom"] * 5 + ["csv-gbk"] * 4 + ["xlsx"] * 5)
    fmts = rng.permutation(np.resize(fmts, n_schools))
    header = rng.choice(["simp", "trad", "spaced"], n_schools, p=[0.6, 0.2, 0.2])
    alt = rng.random(n_schools) < 0.3
    order = rng.choice(len(_ORDERS), n_schools, p=[0.6, 0.2, 0.2])
    trad_values = rng.random(n_schools) < 0.25
    alias_rate = rng.choice([0.0, 0.1, 0.3], n_schools, p=[0.4, 0.4, 0.2])
    date_main = rng.integers(0, N_DATE_STYLES, n_schools)
    disabled_style = rng.integers(0, 3, n_schools)
    lower_x = rng.choice([0.0, 0.3], n_schools)
    years_suffix = rng.choice([0.0, 0.3, 1.0], n_schools, p=[0.5, 0.3, 0.2])
    extra = rng.choice(3, n_schools, p=[0.6, 0.25, 0.15])
    styles = []
    for s in range(n_schools):
        for f in range(len(FOLDERS)):
            if counts[s, f] == 0:
                continue
            fmt = str(fmts[s])
            if rng.random() < 0.1:
                fmt = str(rng.choice(["csv-utf8", "csv-bom", "csv-gbk", "xlsx"]))
            printed = bool(rng.random() < 0.3)
            styles.append(_FileStyle(
                school=s, folder=f, fmt=fmt, header=str(header[s]), alt_names=bool(alt[s]),
                order=_ORDERS[order[s]], has_edu=bool(traits["has_edu"][s]),
                trad_values=bool(trad_values[s]), alias_rate=float(alias_rate[s]),
                date_main=int(date_main[s]), date_cells=bool(rng.random() < 0.6),
                years_suffix=float(years_suffix[s]), disabled_style=int(disabled_style[s]),
                lower_x=float(lower_x[s]), crlf=fmt == "csv-gbk" or bool(rng.random() < 0.3),
                printed=printed, serial_col=printed or bool(rng.random() < 0.2),
                extra_col=None if extra[s] == 0 else _EXTRA_COLUMNS[extra[s] - 1],
            ))
    # keep XLSX bounded: smallest XLSX files first, the rest become CSV (UTF-8 with BOM)
    budget = XLSX_ROW_BUDGET
    xlsx = sorted((st for st in styles if st.fmt == "xlsx"),
                  key=lambda st: (counts[st.school, st.folder], st.school, st.folder))
    for st in xlsx:
        n = int(counts[st.school, st.folder])
        if n <= budget:
            budget -= n
        else:
            st.fmt = "csv-bom"
    # guarantee the shapes the cleaning stage must handle at every size
    xl = [st for st in styles if st.fmt == "xlsx"]
    if xl:
        multi = [st for st in xl if counts[st.school, st.folder] >= 4] or xl
        multi[len(multi) // 2].multi_sheet = True
        for st in xl:
            if not st.multi_sheet and rng.random() < 0.2 and counts[st.school, st.folder] >= 6:
                st.multi_sheet = True
        xl[0].printed = xl[0].serial_col = True
    csvs = [st for st in styles if st.fmt != "xlsx"]
    if csvs and not any(st.printed for st in csvs):
        csvs[0].printed = csvs[0].serial_col = True
    return styles


def _header_text(field: str, st: _FileStyle) -> str:
    names = HEADERS[field]
    alt = st.alt_names and len(names) > 2
    simp = names[2] if alt else names[0]
    if st.header == "trad":
        return names[3] if alt else names[1]
    if st.header == "spaced":
        return " ".join(simp)
    return simp


def _pick(table: tuple[str, ...] | np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.asarray(table, dtype=object)[idx]


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays (and plain strings)."""
    out = np.asarray(parts[0]).astype(object)
    for p in parts[1:]:
        out = out + (p if isinstance(p, str) else np.asarray(p).astype(object))
    return out


def _pad(rng: np.random.Generator, values: np.ndarray, p: float) -> np.ndarray:
    """Stray outer spaces on a share p of the values."""
    sel = np.flatnonzero(rng.random(len(values)) < p)
    if len(sel):
        how = rng.integers(0, 3, len(sel))
        v = values[sel]
        values[sel] = np.where(how == 0, " " + v, np.where(how == 1, v + " ", " " + v + " "))
    return values


_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _render(data: _Data, rows: np.ndarray, st: _FileStyle, schools: pd.DataFrame,
            rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The text (or cell values) of each field for the given raw rows of one file."""
    n = len(rows)
    e = data.r_enrol[rows]
    p = data.e_person[e]
    dirt = data.r_dirt[rows]
    out: dict[str, np.ndarray] = {}

    # school: full name, short alias or Traditional alias; unknown names planted
    sch = data.e_school[e]
    names = schools["school_name"].to_numpy(object)
    short = np.array([a.split("|")[0] for a in schools["aliases"]], dtype=object)
    trad = np.array([a.split("|")[1] for a in schools["aliases"]], dtype=object)
    u = rng.random(n)
    school = np.where(u < st.alias_rate * 0.6, short[sch],
                      np.where(u < st.alias_rate, trad[sch], names[sch]))
    bad = dirt == UNKNOWN_SCHOOL
    school[bad] = _pick(UNKNOWN_SCHOOLS, rng.integers(0, len(UNKNOWN_SCHOOLS), int(bad.sum())))
    out["school"] = _pad(rng, school.astype(object), 0.03)

    # name, with a space inside some two-character names (aligned for printing)
    g_m = np.array(list(_GIVEN_M), dtype=object)
    g_f = np.array(list(_GIVEN_F), dtype=object)
    male = data.male[p]
    g1, g2 = data.given1[p], data.given2[p]
    first = np.where(male, g_m[g1 % len(g_m)], g_f[g1 % len(g_f)])
    second = np.where(g2 < 0, "", np.where(male, g_m[g2 % len(g_m)], g_f[g2 % len(g_f)]))
    sur = np.array(list(_SURNAMES), dtype=object)[data.surname[p]]
    gap = np.where((g2 < 0) & (rng.random(n) < (0.3 if st.printed else 0.04)), " ", "")
    out["name"] = _pad(rng, _cat(sur, gap, first, second), 0.005)

    # ID number
    chk = data.check[p].astype(np.int64)
    typo = dirt == BAD_CHECK
    chk[typo] = (chk[typo] + rng.integers(1, 11, int(typo.sum()))) % 11
    chk_chars = np.array(list("0123456789X"), dtype=object)[chk]
    lx = (chk == 10) & (rng.random(n) < st.lower_x)
    chk_chars[lx] = "x"
    ids = _cat(data.id17[p].astype("U17"), chk_chars)
    legacy = data.legacy15[p] & (dirt != BAD_CHECK)
    if legacy.any():
        i17 = data.id17[p[legacy]]
        area, seq = i17 // 10**11, i17 % 1000
        yymmdd = (i17 // 1000) % 10**6
        ids[legacy] = _cat(area.astype("U6"), np.char.zfill(yymmdd.astype("U6"), 6),
                           np.char.zfill(seq.astype("U3"), 3))
    fw = np.flatnonzero(rng.random(n) < 0.01)
    if len(fw):
        ids[fw] = pd.Series(ids[fw], dtype=object).str.translate(_FULLWIDTH).to_numpy(object)
    ids = _pad(rng, ids, 0.015)
    sci = np.flatnonzero(dirt == SCI_ID)
    if len(sci):
        full = data.id17[p[sci]] * 10 + data.check[p[sci]]
        if st.fmt == "xlsx":
            ids[sci] = full.astype(float)  # a number cell: the digits are lost
        else:
            ids[sci] = [_excel_sci(int(v)) for v in full]
    out["id_number"] = ids

    # gender (declared), sometimes disagreeing with the ID
    declared = male ^ data.e_gender_flip[e]
    out["gender"] = _pad(rng, np.where(declared, "男", "女").astype(object), 0.01)

    tg_tab = TARGET_GROUPS_TRAD if st.trad_values else TARGET_GROUPS
    tg = _pick(tg_tab, data.e_tg[e])
    bad = dirt == UNKNOWN_GROUP
    tg[bad] = _pick(UNKNOWN_TARGET_GROUPS, rng.integers(0, len(UNKNOWN_TARGET_GROUPS),
                                                        int(bad.sum())))
    out["target_group"] = _pad(rng, tg, 0.01)

    yes, no = DISABLED_STYLES[st.disabled_style]
    out["disabled"] = np.where(data.e_disabled[e], yes, no).astype(object)

    mj = data.r_major[rows].astype(np.int64)
    known = mj < len(MAJORS)
    major = np.empty(n, dtype=object)
    major[known] = _pick([m[0] for m in MAJORS], mj[known])
    major[~known] = _pick(UNKNOWN_MAJORS, mj[~known] - len(MAJORS))
    alias_of = [m[1].split("|")[0] for m in MAJORS]
    use_alias = known & (rng.random(n) < 0.1)
    if use_alias.any():
        al = _pick(alias_of, mj[use_alias])
        major[use_alias] = np.where(al == "", major[use_alias], al)
    out["major"] = _pad(rng, major, 0.01)

    level = np.where(dirt == LEVEL_NOT_ALLOWED, data.e_level_bad[e], data.e_level[e])
    out["level"] = _pick(LEVELS_TRAD if st.trad_values else LEVELS, level)
    out["study_mode"] = _pick(STUDY_MODES, data.e_mode[e])
    yrs = data.e_years[e].astype("U1").astype(object)
    out["years"] = np.where(rng.random(n) < st.years_suffix, yrs + "年", yrs)
    out["class_type"] = _pick(CLASS_TYPES_TRAD if st.trad_values else CLASS_TYPES,
                              data.e_ctype[e])
    if st.has_edu:
        out["education_kind"] = _pick(EDU_KINDS_TRAD if st.trad_values else EDUCATION_KINDS,
                                      (dirt == SHORT_TRAINING).astype(np.int64))
    adm = np.where(dirt == OUT_OF_WINDOW, data.e_adm_bad[e], data.e_adm[e])
    out["admission_date"] = _dates(adm, dirt == BAD_DATE, st, rng)
    out["status"] = _pick(STATUSES_TRAD if st.trad_values else STATUSES, data.r_status[rows])
    return out


def _excel_sci(v: int) -> str:
    """How a spreadsheet shows an 18-digit number in General format: 2.30102E+17."""
    mant = round(v / 10**12)
    text = f"{mant // 100000}.{mant % 100000:05d}".rstrip("0").rstrip(".")
    return f"{text}E+17"


def _dates(days: np.ndarray, bad: np.ndarray, st: _FileStyle,
           rng: np.random.Generator) -> np.ndarray:
    """Admission dates in the file's mix of spellings (or date cells in XLSX)."""
    n = len(days)
    style = np.where(rng.random(n) < 0.7, st.date_main, rng.integers(0, N_DATE_STYLES, n))
    if st.fmt == "xlsx" and st.date_cells:
        style = np.where(rng.random(n) < 0.03, 5, -1)  # date cells, a few serial numbers
    y, m, d = _ymd(days)
    ys, ms, ds = y.astype("U4"), m.astype("U2"), d.astype("U2")
    m2, d2 = np.char.zfill(ms, 2), np.char.zfill(ds, 2)
    out = np.empty(n, dtype=object)
    forms = {
        0: lambda s: _cat(ys[s], "-", m2[s], "-", d2[s]),
        1: lambda s: _cat(ys[s], "/", ms[s], "/", ds[s]),
        2: lambda s: _cat(ys[s], ".", ms[s], ".", ds[s]),
        3: lambda s: _cat(ys[s], "年", ms[s], "月", ds[s], "日"),
        4: lambda s: _cat(ys[s], m2[s], d2[s]),
        6: lambda s: _cat(ys[s], "-", ms[s], "-", ds[s]),
    }
    for k, f in forms.items():
        s = style == k
        if s.any():
            out[s] = f(s)
    serial = style == 5
    if serial.any():
        vals = days[serial].astype(np.int64) + 25569  # Excel day 0 = 1899-12-30
        out[serial] = vals if st.fmt == "xlsx" else vals.astype("U5").astype(object)
    cells = style == -1
    if cells.any():
        out[cells] = [EPOCH + dt.timedelta(days=int(v)) for v in days[cells]]
    for i in np.flatnonzero(bad):
        k = int(rng.integers(0, 4))
        out[i] = (f"{_cn_day(int(m[i]))}月{_cn_day(int(d[i]))}日",
                  "2019-13-45", "2019-02-30", f"{y[i]}年{m[i]}月")[k]
    return out


def _extra_values(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if name == "联系电话":  # masked, never a complete number
        pre = rng.choice(["138", "139", "150", "186", "155", "131"], n)
        tail = np.char.zfill(rng.integers(0, 10000, n).astype("U4"), 4)
        return _cat(pre.astype(object), np.full(n, "****", dtype=object), tail)
    out = np.full(n, "", dtype=object)
    sel = rng.random(n) < 0.05
    out[sel] = _pick(_REMARKS, rng.integers(0, len(_REMARKS), int(sel.sum())))
    return out


def _table(data: _Data, rows: np.ndarray, st: _FileStyle, schools: pd.DataFrame,
           rng: np.random.Generator) -> tuple[list[str], dict[str, np.ndarray]]:
    """Header texts and column values (in file order) of one file's table."""
    values = _render(data, rows, st, schools, rng)
    fields = [f for f in st.order if f in values]
    header = [_header_text(f, st) for f in fields]
    cols = {h: values[f] for h, f in zip(header, fields, strict=True)}
    if st.serial_col:
        key = "序 号" if st.header == "spaced" else "序号"
        cols = {key: np.arange(1, len(rows) + 1)} | cols
        header = [key, *header]
    if st.extra_col:
        cols[st.extra_col] = _extra_values(st.extra_col, len(rows), rng)
        header.append(st.extra_col)
    return header, cols


def _footer(st: _FileStyle, n: int, rng: np.random.Generator) -> list[list[str]]:
    """Lines under a printed table (each a list of cells): total, signatures, date, remark."""
    y, m = FOLDERS[st.folder].split("-")
    last = (dt.date(int(y), int(m), 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    sur = list(_SURNAMES)
    filler = f"{sur[rng.integers(len(sur))]}{_GIVEN_F[rng.integers(len(_GIVEN_F))]}"
    checker = f"{sur[rng.integers(len(sur))]}{_GIVEN_M[rng.integers(len(_GIVEN_M))]}"
    total = "合计" if rng.random() < 0.7 else "总计"
    lines = [
        [f"{total}：{n}人"] if rng.random() < 0.5 else [total, str(n)],
        [f"填表人：{filler}  审核人：{checker}"],
        [f"填报日期：{last.year}年{last.month}月{last.day}日"],
    ]
    if rng.random() < 0.5:
        lines.append(["备注：学籍状态以技工院校学籍管理系统为准。"])
    return lines


def _title(st: _FileStyle, schools: pd.DataFrame) -> str:
    name = schools["school_name"].iat[st.school]
    y, m = FOLDERS[st.folder].split("-")
    return f"{name}2019年扩招新生花名册（{y}年{int(m)}月报送）"


def _blank_positions(n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions (before row i) of blank rows inside a printed table."""
    k = min(10, max(1, n // 200)) if n >= 3 else 0
    return np.sort(rng.integers(1, max(2, n), k)) if k else np.zeros(0, dtype=np.int64)


def _write_csv(path: Path, header: list[str], cols: dict[str, np.ndarray], st: _FileStyle,
               schools: pd.DataFrame, rng: np.random.Generator) -> None:
    """One CSV file as a spreadsheet exports it (every line padded to the table's width).

    Lines are joined with ``str.join`` (several times faster than ``DataFrame.to_csv`` here);
    no generated value needs CSV quoting, which is checked, with the csv module as fallback.
    """
    width = len(header)
    eol = "\r\n" if st.crlf else "\n"
    columns = [(c if c.dtype == object else c.astype(str)).tolist() for c in cols.values()]
    lines = [",".join(r) for r in zip(*columns, strict=True)]
    joined = "".join(lines)
    if joined.count(",") != len(lines) * (width - 1) or any(ch in joined for ch in '"\r\n'):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(zip(*columns, strict=True))
        lines = buf.getvalue().split("\n")[:-1]
    n = len(lines)
    pad = "," * (width - 1)
    lead: list[str] = []
    tail: list[str] = []
    if st.printed:
        lead = [_title(st, schools) + pad] + [pad] * int(rng.integers(1, 3))
        cuts = [0, *_blank_positions(n, rng).tolist(), n]
        lines = [ln for a, b in zip(cuts[:-1], cuts[1:], strict=True)
                 for ln in ([pad] if a else []) + lines[a:b]]
        tail = [",".join(c) + "," * (width - len(c)) for c in _footer(st, n, rng)]
    text = eol.join([*lead, ",".join(header), *lines, *tail]) + eol
    enc = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gbk": "gbk"}[st.fmt]
    path.write_bytes(text.encode(enc))


_INSTRUCTIONS = (
    "填表说明",
    "1. 每个班级一个工作表，第一行为表头，不得合并单元格。",
    "2. 身份号码请按文本格式填写18位，末位X大写。",
    "3. 日期请填写为2019-09-01格式。",
    "4. 招生对象按哈政办规【2019】20号文件所列类别填写。",
    "（本工作簿为合成示例数据 / synthetic sample data）",
)


def _write_xlsx(path: Path, header: list[str], cols: dict[str, np.ndarray], st: _FileStyle,
                schools: pd.DataFrame, rng: np.random.Generator) -> None:

    n = len(next(iter(cols.values())))
    width = len(header)
    records = list(zip(*[cols[h].tolist() for h in header], strict=True))
    wb = fixed_workbook("kuozhao sample (synthetic)", FIXED_TIME, title="SYNTHETIC sample data")
    parts = [records]
    names = ["Sheet1" if rng.random() < 0.5 else "花名册"]
    if st.multi_sheet:
        half = (n + 1) // 2
        parts = [records[:half], records[half:]]
        y = FOLDERS[st.folder][:4]
        names = [f"{y}级1班", f"{y}级2班"]
    instructions_first = bool(rng.random() < 0.5)
    if st.multi_sheet and instructions_first:
        _instruction_sheet(wb)
    for name, part in zip(names, parts, strict=True):
        ws = wb.create_sheet(name)
        if st.printed:
            ws.append([_title(st, schools)])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            ws.append([])
        ws.append(header)
        blanks = set(_blank_positions(len(part), rng).tolist()) if st.printed else set()
        for i, rec in enumerate(part):
            if i in blanks:
                ws.append([])
            ws.append(rec)
        if st.printed:
            ws.append([])
            for cells in _footer(st, len(part), rng):
                ws.append(cells)
        ws.column_dimensions["C" if header[0] != "序号" else "D"].width = 22
    if st.multi_sheet and not instructions_first:
        _instruction_sheet(wb)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(reproducible_xlsx(buf.getvalue(), FIXED_TIME))


def _instruction_sheet(wb) -> None:
    ws = wb.create_sheet("填表说明")
    for line in _INSTRUCTIONS:
        ws.append([line])


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------


def write_sample(out: Path, seed: int = 20190901, rows: int = 6000) -> dict:
    """Write out/reference/{schools.csv,majors.csv,SYNTHETIC.txt} and out/raw/<YYYY-MM>/... ;
    return a small summary dict (files written, raw rows, students).

    ``rows`` is the total number of raw record rows across the eight folders (title, blank and
    footer lines of printed-form files are not records). The same ``seed`` and ``rows`` give
    byte-identical files. Existing files of the same names are overwritten; other files in
    ``out`` are left alone.
    """
    out = Path(out)
    rows = int(rows)
    if rows < 100:
        raise ValueError("rows must be at least 100")
    ref = out / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    schools = schools_frame(seed)
    schools.to_csv(ref / "schools.csv", index=False, lineterminator="\n")
    majors_frame().to_csv(ref / "majors.csv", index=False, lineterminator="\n")
    (ref / "SYNTHETIC.txt").write_text(_synthetic_note(seed, rows), encoding="utf-8")

    data, traits = _generate(seed, rows, schools)
    file_school = data.e_school[data.r_enrol].astype(np.int64)
    file_key = file_school * len(FOLDERS) + data.r_folder
    counts = np.bincount(file_key, minlength=len(schools) * len(FOLDERS)).reshape(
        len(schools), len(FOLDERS))
    styles = _styles(seed, counts, traits)
    order = np.lexsort((data.r_order, file_key))
    bounds = np.searchsorted(file_key[order], np.arange(len(schools) * len(FOLDERS) + 1))

    by_format: dict[str, int] = {}
    by_folder = dict.fromkeys(FOLDERS, 0)
    xlsx_rows = 0
    for i, st in enumerate(styles):
        k = st.school * len(FOLDERS) + st.folder
        rows_idx = order[bounds[k]:bounds[k + 1]]
        rng = np.random.default_rng([seed, 4, i])
        header, cols = _table(data, rows_idx, st, schools, rng)
        folder = out / "raw" / FOLDERS[st.folder]
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{schools['school_id'].iat[st.school]}_{FOLDERS[st.folder].replace('-', '')}"
        if st.fmt == "xlsx":
            _write_xlsx(folder / f"{stem}.xlsx", header, cols, st, schools, rng)
            xlsx_rows += len(rows_idx)
        else:
            _write_csv(folder / f"{stem}.csv", header, cols, st, schools, rng)
        by_format[st.fmt] = by_format.get(st.fmt, 0) + 1
        by_folder[FOLDERS[st.folder]] += len(rows_idx)

    return {
        "out": str(out),
        "seed": int(seed),
        "rows_requested": rows,
        "raw_rows": int(len(data.r_enrol)),
        "students": int(traits["students"]),
        "files": len(styles) + 3,
        "raw_files": len(styles),
        "files_by_format": dict(sorted(by_format.items())),
        "xlsx_rows": xlsx_rows,
        "rows_by_folder": by_folder,
        "printed_form_files": sum(st.printed for st in styles),
        "multi_sheet_files": sum(st.multi_sheet for st in styles),
        "dirty_school": schools["school_id"].iat[traits["dirty_school"]],
        "high_withdrawal_school": schools["school_id"].iat[traits["quit_school"]],
        "planted": traits["planted"],
    }
