"""Realistic advertising phrases for illegally filmed material and deepfakes, each
with disguises seen in the wild, and benign sentences that share words with them
(news, prevention education, daily chat). Made up for the tests; no real handle,
channel or person."""

# (rule, disguises of it)
DISGUISED: list[tuple[str, list[str]]] = [
    (
        "딥페이크",
        [
            "딥 페 이 크",
            "딥.페.이.크",
            "ㄷㅣㅂㅍㅔㅇㅣㅋㅡ",
            "딥\u200b페이크",
            "딥🔥페이크",
            "딥-페-이-크",
        ],
    ),
    ("불법촬영", ["불 법 촬 영", "불법_촬영", "불.법.촬.영.물", "ㅂㅜㄹㅂㅓㅂ촬영", "불법📷촬영"]),
    ("몰카", ["몰 카", "몰.카", "ㅁㅗㄹㅋㅏ", "몰\u200d카", "몰ㅋr"]),
    ("지인능욕", ["지 인 능 욕", "지인.능욕", "ㅈㅣㅇㅣㄴ능욕", "지인💦능욕"]),
    ("합성판매", ["합성 판매", "합/성/판/매", "ㅎㅏㅂ성판매"]),
    (
        "deepfake",
        [
            "d e e p f a k e",
            "DeepFake",
            "ｄｅｅｐｆａｋｅ",
            "dеерfаkе",
            "deeeeepfake",
            "d.e.e.p.f.a.k.e",
            "𝐝𝐞𝐞𝐩𝐟𝐚𝐤𝐞",
            "ᴅᴇᴇᴘfake",
            "deep\u200bfake",
            "d̶e̶e̶p̶fake",
        ],
    ),
    ("hidden cam", ["h1dden cam", "hidden-cam", "HIDDEN CAM", "hіdden cаm", "h i d d e n c a m"]),
    ("nudify", ["n u d i f y", "NUDIFY", "nudіfy", "nuuudify", "n.u.d.i.f.y"]),
]

# Sentences a chat or a news site carries that share words with the rules.
BENIGN: list[str] = [
    "딥페이크 예방 교육이 오늘 오후 3시에 있습니다.",
    "경찰은 불법촬영 범죄에 대해 엄정 대응하겠다고 밝혔다.",
    "몰래카메라 탐지기를 학교에 보급한다는 기사 봤어?",
    "지인에게 받은 사진을 함부로 올리면 안 된다는 캠페인",
    "합성 피자 판매점이 새로 생겼대",
    "오늘 점심 뭐 먹을까? 김치찌개 어때",
    "카메라 렌즈 청소하는 법 알려줘",
    "불법 주차 신고는 어디에 하나요?",
    "촬영 일정이 내일로 바뀌었습니다",
    "능력 있는 사람을 찾습니다",
    "How to spot a deep fake video: a guide for parents",
    "Police warn about deepfake scams targeting students",
    "The hidden camera detector arrived today",
    "My camera is hidden behind the plant for the wildlife shot",
    "Let's meet at the cafe near the station",
    "The new phone has a great front camera",
    "Deep learning course starts next week",
    "Fake news spreads faster than the truth",
    "나는 딥러닝을 공부하고 있어",
    "몰디브로 카드 여행 갈까",
]
