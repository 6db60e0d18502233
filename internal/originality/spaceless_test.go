package originality

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/db"
)

// Answers in languages written without spaces, on the same subject two by two, written
// for these tests.
const (
	japaneseDerivative = "関数 f(x) = x² の導関数は 2x です。導関数とは、ある点における接線の傾きを表すものです。" +
		"定義に従って計算すると、(f(x+h) − f(x)) / h は (2xh + h²) / h となり、これを整理すると 2x + h になります。" +
		"h を 0 に近づけると、極限は 2x です。つまり、x が 3 のとき接線の傾きは 6 になります。" +
		"べき乗の法則を使えば、指数を前に出して指数から 1 を引くだけで、同じ結果がすぐに得られます。"
	japaneseProductRule = "積の微分法則は、二つの関数の積を微分するときに使います。u と v を x の関数とすると、" +
		"(uv)′ = u′v + uv′ が成り立ちます。例えば x² sin x を微分する場合、u = x²、v = sin x とおくと、" +
		"u′ = 2x、v′ = cos x なので、答えは 2x sin x + x² cos x になります。" +
		"この法則は、極限の定義から証明でき、商の微分法則を導くときにも役に立ちます。"
	chinesePhotosynthesis = "光合作用是植物利用光能把二氧化碳和水转化为葡萄糖并释放氧气的过程。" +
		"这个过程主要发生在叶绿体中，分为光反应和暗反应两个阶段。在光反应阶段，叶绿素吸收光能，" +
		"把水分解成氧气、质子和电子，同时产生ATP和NADPH。在暗反应阶段，也就是卡尔文循环，" +
		"植物利用这些能量把二氧化碳固定成有机物。光照强度、温度和二氧化碳浓度都会影响光合作用的速率。"
	chineseRespiration = "细胞呼吸是生物把葡萄糖等有机物分解并释放能量的过程。有氧呼吸分为三个阶段：" +
		"糖酵解在细胞质中进行，把一分子葡萄糖分解成两分子丙酮酸；柠檬酸循环在线粒体基质中进行，" +
		"产生二氧化碳和少量ATP；电子传递链在线粒体内膜上进行，氧气作为最终的电子受体生成水，" +
		"并产生大量ATP。没有氧气时，细胞只能进行无氧呼吸，产生乳酸或酒精。"
	japaneseSky = "空が青く見えるのは、太陽の光が大気中の窒素や酸素の分子にぶつかって散らばるからです。" +
		"この現象はレイリー散乱と呼ばれ、波長の短い青い光ほど強く散乱されます。そのため、どの方向を見ても" +
		"散らばった青い光が目に届き、空全体が青く見えます。夕方になると、太陽の光は厚い大気の層を通ってくるので、" +
		"青い光は途中でほとんど散らばってしまい、残った赤や橙の光が届いて夕焼けになります。"
	thaiDerivative = "อนุพันธ์ของฟังก์ชัน x กำลังสอง คือ 2x เพราะความชันของเส้นสัมผัสเพิ่มขึ้นเป็นสองเท่าของค่า x " +
		"เมื่อใช้กฎยกกำลัง ให้นำเลขชี้กำลังลงมาคูณข้างหน้าแล้วลบเลขชี้กำลังออกหนึ่ง ก็จะได้คำตอบเดียวกันอย่างรวดเร็ว"
)

// lightEdits change about one word in ten of the answers above.
var lightEdits = map[string]string{
	japaneseDerivative: strings.NewReplacer("導関数とは", "微分係数とは", "傾きを表す", "勾配を表す",
		"つまり", "たとえば", "すぐに", "簡単に", "整理すると", "まとめると").Replace(japaneseDerivative),
	japaneseSky: strings.NewReplacer("青く見える", "青に見える", "ぶつかって", "当たって", "呼ばれ", "言われ",
		"ほとんど", "大部分が", "届いて", "目に入って").Replace(japaneseSky),
	chinesePhotosynthesis: strings.NewReplacer("主要发生", "大多发生", "分为", "可以分成", "同时", "并且",
		"都会影响", "都能影响", "固定成", "合成为").Replace(chinesePhotosynthesis),
}

// overlap is how much of text's fingerprints source holds, as Check computes it.
func overlap(text, source string) float64 {
	fps := Fingerprints(text)
	if len(fps) == 0 {
		return 0
	}
	return float64(shared(fps, Fingerprints(source))) / float64(len(fps))
}

func TestSpacelessScriptsCountEachCharacterAsAWord(t *testing.T) {
	for in, want := range map[string][]string{
		"漢字かな交じり文":           {"漢", "字", "か", "な", "交", "じ", "り", "文"},
		"光合作用，是过程。":          {"光", "合", "作", "用", "是", "过", "程"},
		"カタカナ":               {"カ", "タ", "カ", "ナ"},
		"ที่นี่ ใช่":         {"ที่", "นี่", "ใ", "ช่"}, // tone and vowel marks stay with their letter
		"The ATP 分子 is used": {"the", "atp", "分", "子", "is", "used"},
		"word漢字word":         {"word", "漢", "字", "word"},
		"ｶﾀｶﾅ":               {"カ", "タ", "カ", "ナ"}, // half-width kana, made full by NFKC
	} {
		if got := words(in); !slices.Equal(got, want) {
			t.Errorf("words(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCopiesInSpacelessLanguagesAreFound(t *testing.T) {
	for name, c := range map[string]struct{ text, other string }{
		"japanese":                       {japaneseDerivative, japaneseProductRule},
		"japanese without latin letters": {japaneseSky, japaneseDerivative},
		"chinese":                        {chinesePhotosynthesis, chineseRespiration},
		"thai":                           {thaiDerivative, japaneseDerivative},
	} {
		t.Run(name, func(t *testing.T) {
			if n := len(Fingerprints(c.text)); n < 20 {
				t.Fatalf("%d fingerprints; want a few per sentence", n)
			}
			if got := overlap(c.text, c.text); got != 1 {
				t.Errorf("verbatim copy: overlap %.2f, want 1", got)
			}
			if edited, ok := lightEdits[c.text]; ok {
				// As for English on the evaluation set: well past what the default
				// threshold (0.8) refuses.
				if got := overlap(edited, c.text); got < 0.5 {
					t.Errorf("light edit: overlap %.2f, want at least 0.5", got)
				}
			}
			// Another answer on the same subject shares no more than a stray phrase.
			if got := overlap(c.other, c.text); got >= MinOverlap {
				t.Errorf("another answer: overlap %.2f, want below %.2f", got, MinOverlap)
			}
		})
	}
}

func TestCheckFindsJapaneseAndChineseCopies(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		for _, text := range []string{japaneseSky, chinesePhotosynthesis} {
			source, rev := uuid.New(), uuid.New()
			mustRecord(t, d.Client, source, rev, text)
			if res := mustCheck(t, d.Client, uuid.New(), text); res.Score != 0 ||
				len(res.Matches) != 1 || res.Matches[0].RevisionID != rev {
				t.Fatalf("verbatim copy of %.30q: %+v, want score 0 and the source alone", text, res)
			}
			if res := mustCheck(t, d.Client, uuid.New(), lightEdits[text]); res.Score > 0.5 {
				t.Fatalf("light edit of %.30q: score %.2f, want at most 0.5", text, res.Score)
			}
		}
	})
}
