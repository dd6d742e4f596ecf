"""Writes mini.{en,zh}.json here: a small parallel SQuAD-format pair written for qa's eval tests."""
import json

ARTICLES = [
 ("Great_Wall", [
  ("The Great Wall of China is a series of fortifications built across the northern borders of ancient Chinese states. "
   "Qin Shi Huang, the first emperor, connected several earlier walls around 220 BC. "
   "Most of the wall that stands today was rebuilt during the Ming dynasty.",
   "中国长城是古代中国各国在北方边境修建的一系列防御工事。公元前220年前后，第一位皇帝秦始皇把几段早期的城墙连接起来。"
   "今天保存下来的长城大多是在明朝重建的。",
   [("q1", "Which emperor connected the earlier walls?", "Qin Shi Huang", "哪位皇帝把早期的城墙连接了起来？", "秦始皇"),
    ("q2", "During which dynasty was most of the surviving wall rebuilt?", "Ming", "现存的长城大多是在哪个朝代重建的？", "明朝")]),
  ("In 1987 the Great Wall was listed as a UNESCO World Heritage Site. "
   "Badaling, north of Beijing, is the most visited section and receives millions of tourists every year.",
   "1987年，长城被列入联合国教科文组织世界遗产名录。北京以北的八达岭是游客最多的一段，每年接待数百万游客。",
   [("q3", "In what year was the Great Wall listed as a World Heritage Site?", "1987", "长城是哪一年被列入世界遗产名录的？", "1987")]),
 ]),
 ("Photosynthesis", [
  ("Photosynthesis is the process by which green plants turn light energy into chemical energy. "
   "It takes place in chloroplasts, where the pigment chlorophyll absorbs mostly blue and red light.",
   "光合作用是绿色植物把光能转化为化学能的过程。它发生在叶绿体中，叶绿素这种色素主要吸收蓝光和红光。",
   [("q4", "Which pigment absorbs light in the chloroplasts?", "chlorophyll", "叶绿体中吸收光的是哪种色素？", "叶绿素")]),
  ("The light-dependent reactions split water molecules and release oxygen as a by-product. "
   "The energy they capture is stored in ATP and NADPH. "
   "In the Calvin cycle, which does not need light directly, the enzyme RuBisCO fixes carbon dioxide from the air. "
   "The cycle uses ATP and NADPH to turn the fixed carbon into sugars such as glucose. "
   "Plants use these sugars for energy and to build cellulose for their cell walls. "
   "Some of the sugar is stored as starch in roots, seeds and tubers. "
   "Because RuBisCO sometimes binds oxygen instead of carbon dioxide, plants in hot and dry climates waste energy in photorespiration. "
   "C4 plants such as maize and sugarcane avoid much of this loss by concentrating carbon dioxide around the enzyme. "
   "CAM plants such as cacti open their stomata only at night to save water. "
   "Scientists study these pathways because raising the efficiency of photosynthesis could increase crop yields. "
   "Every year photosynthesis on land and in the oceans fixes about one hundred billion tonnes of carbon.",
   "光反应分解水分子，并释放出氧气作为副产物。它们捕获的能量储存在ATP和NADPH中。"
   "在不直接需要光的卡尔文循环中，核酮糖二磷酸羧化酶把空气中的二氧化碳固定下来。"
   "这个循环利用ATP和NADPH把固定的碳转化为葡萄糖等糖类。植物利用这些糖获取能量，并合成构成细胞壁的纤维素。"
   "一部分糖以淀粉的形式储存在根、种子和块茎中。由于这种酶有时会结合氧气而不是二氧化碳，炎热干燥气候中的植物会在光呼吸中浪费能量。"
   "玉米和甘蔗等C4植物通过在酶周围浓缩二氧化碳，避免了大部分这种损失。仙人掌等CAM植物只在夜间打开气孔，以节约水分。"
   "科学家研究这些途径，是因为提高光合作用的效率可以增加农作物产量。陆地和海洋中的光合作用每年固定大约一千亿吨碳。",
   [("q5", "What gas is released when water molecules are split?", "oxygen", "水分子被分解时释放出什么气体？", "氧气"),
    ("q6", "Why do cacti open their stomata only at night?", "to save water", "仙人掌为什么只在夜间打开气孔？", "节约水分")]),
 ]),
 ("Penicillin", [
  ("In 1928 Alexander Fleming noticed that a mould called Penicillium killed the bacteria growing on a culture plate in his London laboratory. "
   "The substance it produced, penicillin, became the first widely used antibiotic.",
   "1928年，亚历山大·弗莱明在伦敦的实验室里注意到，一种名为青霉菌的霉菌杀死了培养皿上生长的细菌。"
   "它产生的物质青霉素成为第一种被广泛使用的抗生素。",
   [("q7", "Who discovered penicillin in 1928?", "Alexander Fleming", "1928年是谁发现了青霉素？", "亚历山大·弗莱明")]),
 ]),
 ("Mount_Everest", [
  ("Mount Everest, on the border between Nepal and China, is the highest mountain on Earth at 8,849 metres above sea level. "
   "Edmund Hillary and Tenzing Norgay first reached its summit on 29 May 1953.",
   "珠穆朗玛峰位于尼泊尔和中国的边境上，海拔8849米，是地球上最高的山峰。1953年5月29日，埃德蒙·希拉里和丹增·诺尔盖首次登上峰顶。",
   [("q8", "How high is Mount Everest?", "8,849 metres", "珠穆朗玛峰有多高？", "8849米"),
    ("q9", "When did climbers first reach the summit of Everest?", "29 May 1953", "登山者第一次登上珠峰峰顶是什么时候？", "1953年5月29日")]),
 ]),
]

def build(lang):
    data = []
    for title, paras in ARTICLES:
        ps = []
        for en_ctx, zh_ctx, qas in paras:
            ctx = en_ctx if lang == "en" else zh_ctx
            out = []
            for qid, eq, ea, zq, za in qas:
                q, a = (eq, ea) if lang == "en" else (zq, za)
                start = ctx.find(a)
                assert start >= 0, (lang, qid, a)
                out.append({"id": qid, "question": q, "answers": [{"text": a, "answer_start": start}]})
            ps.append({"context": ctx, "qas": out})
        data.append({"title": title, "paragraphs": ps})
    return {"version": "qa-test", "data": data}

for lang in ("en", "zh"):
    with open(f"mini.{lang}.json", "w", encoding="utf-8") as f:
        json.dump(build(lang), f, ensure_ascii=False, indent=1)
