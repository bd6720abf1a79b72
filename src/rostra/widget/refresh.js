// A comment another reader edited or deleted, read again from the pages shown: loaded on the
// first such live event (thread.js).
const find = (cs, id) => {
  for (const c of cs || []) {
    const hit = c.id === id ? c : find(c.replies, id);
    if (hit) return hit;
  }
};

export async function refresh(T, id, gone) {
  const { S } = T;
  const my = S.seq;
  let cursor = null;
  let found;
  try {
    for (let n = 0; n < S.pages && !found; n++) {
      const d = await T.query(cursor);
      if (my !== S.seq) return;
      if (!n) T.setCount(d.thread?.comment_count ?? S.total);
      found = find(d.comments, id);
      if (!(cursor = d.next_cursor)) break;
    }
  } catch {
    return;
  }
  const rec = S.recs.get(id);
  if (rec && found) {
    rec.c = { ...found };
    T.render(rec);
  } else if (rec && gone) T.drop(rec, false);
}
