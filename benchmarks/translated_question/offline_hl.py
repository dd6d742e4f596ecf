import json, sys, numpy as np
from collections import defaultdict
rows=[json.loads(l) for l in open('/tmp/qtrans/dump0.jsonl')]
N={}
for line in open('/tmp/qtrans/base_hl.txt'):
    p=[x.strip() for x in line.split('|')]
    if len(p)>5 and p[3].isdigit(): N[(p[1],p[2])]=int(p[3])
def evaluate(fn):
    right=defaultdict(int)
    for r in rows:
        s=r['sentences']
        if not s: continue
        sim=np.array([x['similarity'] for x in s]); rest=np.array([x['overlap']+x['answer_type']+x['lead']+x['blocked'] for x in s])
        t=r['translated_sims']
        across=np.array([x['lang']!=r['qlang'] for x in s])
        if t is not None and across.any():
            sim=fn(sim, np.array(t), across, r)
        j=int(np.argmax(sim+rest))
        ok=s[j]['holds']
        task, half = r['where'][1], r['where'][2]
        right[(task,half)]+=ok
        if half!='all': right[(task,'all')]+=ok
    return right
base=evaluate(lambda s,t,a,r: s)
tasks=[("xquad zh->en","even"),("xquad zh->en","odd"),("xquad en->zh","even"),("xquad en->zh","odd"),("xquad mixed","even"),("xquad mixed","odd"),("news zh->en","all"),("news en->zh","all"),("hard zh","all"),("hard en","all"),("news en->en","all"),("news zh->zh","all")]
print("variant | "+" | ".join(f"{t} {h}" for t,h in tasks))
print("base | "+" | ".join(f"{base[k]/N[k]:.3f}" for k in tasks))
def show(name, fn):
    v=evaluate(fn); print(name+" | "+" | ".join(f"{v[k]/N[k]:.3f}({v[k]-base[k]:+d})" for k in tasks))
for w in (0.1,0.2,0.3,0.5,1.0):
    show(f"blend {w}", lambda s,t,a,r,w=w: np.where(a,(1-w)*s+w*t,s))
show("max", lambda s,t,a,r: np.where(a,np.maximum(s,t),s))
# scale-matched: translated sims standardised to the passage's own-question sims spread
def zmatch(s,t,a,r,w=0.5):
    out=s.copy()
    if a.sum()>1:
        ts=t[a]; ss=s[a]
        tz=(ts-ts.mean())/(ts.std()+1e-9)*ss.std()+ss.mean()
        out[a]=(1-w)*ss+w*tz
    return out
for w in (0.2,0.5):
    show(f"zmatch {w}", lambda s,t,a,r,w=w: zmatch(s,t,a,r,w))
print()
# similarity alone vs translated alone vs sum, over cross-language first hits (no overlap, no bonuses)
acc=defaultdict(lambda: np.zeros(4))
for r in rows:
    s=r['sentences']; t=r['translated_sims']
    if not s or t is None: continue
    across=np.array([x['lang']!=r['qlang'] for x in s])
    if not across.all(): continue
    if not any(x['holds'] for x in s) or len(s)<2: continue
    sim=np.array([x['similarity'] for x in s]); t=np.array(t); blk=np.array([x['blocked'] for x in s])
    ov=np.array([x['overlap'] for x in s])
    k=r['where'][1]
    for i,v in enumerate((sim, t, sim+t, sim+ov)):
        acc[k][i]+=s[int(np.argmax(v+blk))]['holds']
    acc[k][3]+=0
    acc[k+" n"]=acc[k+" n"]+np.array([1,0,0,0])
for k in sorted(acc):
    if k.endswith(" n"): continue
    n=acc[k+" n"][0]; a=acc[k]
    print(f"{k} (n={int(n)} passages with the answer, all sentences other-language): q sim {a[0]/n:.3f}, rendering sim {a[1]/n:.3f}, both {a[2]/n:.3f}, q sim+overlap {a[3]/n:.3f}")
