"""What the sample invents: schools, majors, people, places, habits and planted errors.

Nothing here is the programme's vocabulary (that comes from the configuration, see
:mod:`pipeline.tools.sample.vocabulary`); where invented content refers to it, it does so by
position: a school's type is its rank in the configuration's ``school_types``, the majors are
grouped in the order of its ``industries``, the target groups' mix follows the order of its
school-leaver and social groups. Every text here is GBK-encodable (GBK files must be writable).
"""

from __future__ import annotations

import numpy as np

from pipeline.tools.sample.vocabulary import Vocabulary

# school_id, theme, school type (rank in school_types), ownership, district
SCHOOLS = (
    ("S01", "信息工程", 0, "公办", "南岗区"),
    ("S02", "机电", 0, "公办", "香坊区"),
    ("S03", "航空", 0, "公办", "平房区"),
    ("S04", "装备制造", 0, "公办", "道里区"),
    ("S05", "冰雪旅游", 0, "民办", "松北区"),
    ("S06", "医药", 0, "公办", "南岗区"),
    ("S07", "汽车工程", 0, "民办", "道外区"),
    ("S08", "建设", 1, "公办", "道里区"),
    ("S09", "商贸", 1, "公办", "道外区"),
    ("S10", "交通运输", 1, "公办", "香坊区"),
    ("S11", "电力", 1, "公办", "平房区"),
    ("S12", "新材料", 1, "民办", "阿城区"),
    ("S13", "现代物流", 1, "民办", "双城区"),
    ("S14", "食品工业", 2, "公办", "呼兰区"),
    ("S15", "农垦", 2, "公办", "双城区"),
    ("S16", "烹饪", 2, "民办", "道里区"),
    ("S17", "家政服务", 2, "民办", "南岗区"),
    ("S18", "工艺美术", 2, "公办", "道外区"),
    ("S19", "石化", 2, "公办", "松北区"),
    ("S20", "冰城", 2, "民办", "阿城区"),
)
# per school type rank: the short form in a school's alias (None: the type's own name), the
# base of its quota, and the mix of the levels it may train (in the order of ``levels``)
TYPE_SHORT = (None, "高技", "技校")
TYPE_QUOTA = (300.0, 220.0, 150.0)
LEVEL_MIX = ((0.62, 0.38), (0.55, 0.45), (0.42, 0.58))
UNKNOWN_SCHOOLS = (
    "哈尔滨市示例星光职业培训学校",
    "示例第二技工学校",
    "哈尔滨示例北方技工学校",
    "哈尔滨市示例技术学院",
)

# (major, aliases), one group per industry in the configuration's order (the 4+4 industries,
# emerging majors, modern services, other)
MAJOR_GROUPS = (
    (("计算机网络应用", "网络应用|计算机网络"), ("计算机程序设计", "程序设计"),
     ("物联网技术应用", "物联网")),
    (("新材料加工与应用", "新材料加工"), ("高分子材料加工", "")),
    (("金融服务", "金融事务"), ("会计", "会计事务")),
    (("现代物流", "物流服务"), ("仓储与配送", "仓储配送")),
    (("农产品加工", "农产品深加工"), ("食品加工与检验", "食品检验")),
    (("数控加工", "数控"), ("机电一体化", "机电一体化技术"), ("焊接加工", "焊接"),
     ("模具制造", "")),
    (("生物制药", "生物制药技术"), ("药物制剂", "")),
    (("旅游服务与管理", "旅游服务"), ("酒店管理", "酒店服务"), ("冰雪运动服务", "")),
    (("工业机器人应用与维护", "工业机器人|机器人制造"), ("3D打印技术应用", "3D打印"),
     ("石墨烯材料应用", "石墨烯"), ("无人机操控与维护", "无人机操控|无人机应用")),
    (("家政服务", "家政"), ("餐饮服务", "中式烹调|烹饪"), ("电子商务", "电商")),
    (("汽车维修", "汽车维修与保养"), ("电气自动化设备安装与维修", "电气自动化"),
     ("美容美发", "")),
)
MAJORS = tuple(m for group in MAJOR_GROUPS for m in group)
UNKNOWN_MAJORS = ("宠物养护", "电竞运营", "直播营销", "茶艺", "民航服务")

# target groups, in the configuration's order: (weight, youngest, oldest age at admission)
LEAVER_MIX = ((0.09, 15, 17), (0.16, 16, 30), (0.08, 17, 20), (0.17, 19, 35))
SOCIAL_MIX = ((0.07, 20, 45), (0.11, 20, 45), (0.16, 20, 45), (0.08, 20, 45), (0.08, 20, 45))
UNKNOWN_TARGET_GROUPS = ("社会人员", "待业青年", "其他", "在职职工", "农民")

# (area code, weight): Harbin districts and counties (old and new codes), the rest of
# Heilongjiang (23…), and a few other provinces
AREAS = (
    (230102, 12), (230103, 14), (230104, 10), (230108, 5), (230109, 5), (230110, 10),
    (230111, 6), (230112, 5), (230113, 4), (230183, 3), (230184, 4), (230123, 2), (230124, 1),
    (230125, 2), (230126, 2), (230127, 1), (230128, 1), (230129, 1), (230106, 1), (230107, 1),
    (230121, 1), (230182, 1), (230202, 2), (230602, 2), (231002, 1), (230803, 1),
    (220102, 1.5), (210102, 1.5), (150102, 1), (370102, 1), (410102, 1), (130102, 1),
    (510104, 0.5), (440106, 0.5),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_M = (
    "伟刚勇毅俊峰强军平东文辉力明永健广志义兴良海山波宁贵福生龙全国胜学祥才发武新利清飞彬"
    "富顺信杰涛昌成康星光天达安岩中茂进林有坚和博诚先振壮思群豪心承乐功松善庆磊民友裕河哲"
    "江超浩亮政奇朗宏鸣朋斌栋维启克伦翔旭鹏泽晨辰建家树德行泰盛雄钧冠腾航"
)
GIVEN_F = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱霞香月"
    "媛艳瑞佳嘉琼勤珍莉桂叶璐娅琦晶妍茜秋珊莎锦青倩婷婉颖露瑶怡雁蓓仪荷丹蓉君琴蕊薇梦岚馨"
    "韵悦冰爽羽希欣滢柔竹凝晓欢芸菲寒亚宜可舒影思丽"
)

# columns a school adds that are in no header map, and what its remarks say
EXTRA_COLUMNS = ("联系电话", "备注")
REMARKS = ("补录", "更正", "转专业", "已核对", "复核")
INSTRUCTIONS = (
    "填表说明",
    "1. 每个班级一个工作表，第一行为表头，不得合并单元格。",
    "2. 身份号码请按文本格式填写18位，末位X大写。",
    "3. 日期请填写为2019-09-01格式。",
    "4. 招生对象按哈政办规【2019】20号文件所列类别填写。",
    "（本工作簿为合成示例数据 / synthetic sample data）",
)

# planted quarantine-worthy errors, one per enrollment at most (rates per enrollment row)
DIRT_NONE, BAD_CHECK, SCI_ID, UNKNOWN_SCHOOL, OUT_OF_WINDOW = 0, 1, 2, 3, 4
IMPLAUSIBLE_AGE, LEVEL_NOT_ALLOWED, SHORT_TRAINING, BAD_DATE, UNKNOWN_GROUP = 5, 6, 7, 8, 9
DIRT_NAMES = (
    "none", "invalid_check_digit", "id_mangled_by_spreadsheet", "unknown_school",
    "out_of_window", "implausible_age", "level_not_allowed", "short_training", "bad_date",
    "unknown_target_group",
)
DIRT_RATES = (0.0, 0.006, 0.0015, 0.002, 0.003, 0.001, 0.003, 0.003, 0.0012, 0.003)
DIRTY_SCHOOL_FACTOR = 6.0  # one school sends much dirtier data (fails the quality gate)


def check_fits(vocab: Vocabulary) -> None:
    """Raise ``ValueError`` where the configuration's vocabulary does not fit what is invented
    here (the school types the schools are of, the industries the majors are grouped by)."""
    if len(vocab.school_types) < len(TYPE_QUOTA):
        raise ValueError(f"the sample's schools are of {len(TYPE_QUOTA)} school types; the "
                         f"configuration names {len(vocab.school_types)}")
    if len(vocab.industries) != len(MAJOR_GROUPS):
        raise ValueError(f"the sample's majors are grouped by {len(MAJOR_GROUPS)} industries; "
                         f"the configuration names {len(vocab.industries)}")
    if not all(vocab.not_allowed[: len(TYPE_QUOTA)]):
        raise ValueError("every school type of the sample's schools must leave out a level "
                         "(the sample plants LEVEL_NOT_ALLOWED errors)")


def cycled(mix: tuple, n: int) -> np.ndarray:
    """``mix`` repeated or cut to ``n`` rows (one row per value of the configuration)."""
    rows = np.asarray(mix)
    return rows[np.arange(n) % len(rows)]


def level_weights(vocab: Vocabulary) -> np.ndarray:
    """Per school type, the probability of each level (zero where it may not train it)."""
    weights = np.zeros((len(vocab.school_types), len(vocab.levels)))
    for rank, allowed in enumerate(vocab.allowed):
        mix = LEVEL_MIX[rank] if rank < len(LEVEL_MIX) else ()
        weights[rank, list(allowed)] = mix if len(mix) == len(allowed) else 1 / len(allowed)
    return weights


def group_mix(vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """The probability of each target group and its (youngest, oldest) age at admission."""
    mix = np.concatenate([cycled(LEAVER_MIX, len(vocab.school_leaver_groups)),
                          cycled(SOCIAL_MIX, len(vocab.social_groups))])
    weights = mix[:, 0]
    return weights / weights.sum(), mix[:, 1:].astype(np.int64)
