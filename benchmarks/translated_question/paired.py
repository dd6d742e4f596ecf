import sys, pickle, os
sys.argv = ["x", "none"]
src = open("/tmp/qtrans/probe_conf.py").read().split('if __name__ == "__main__":')[0]
exec(src)
records, news, centres = pickle.loads(CACHE.read_bytes())
out = {}
for name, cols, feats in [("base", [], BASE), ("t_sentence_c", [3], BASE + ("t_sentence_c",))]:
    calibrate.FEATURES = feats
    out[name] = calibrate.split_figures(variant(records, cols, "zero"), 12)
for k in out["base"]:
    d = np.array(out["t_sentence_c"][k]) - np.array(out["base"][k])
    print(f"{k}: paired {d.mean():+.3f} ({d.min():+.3f}..{d.max():+.3f}), better on {(d > 0).sum()}, worse on {(d < 0).sum()} of 12")
