"""Words, text and pictures for the demo magazine loaded by ``manage.py seed_demo``.

Everything here is a pure function of a ``random.Random`` (or an index), so the same seed
gives the same magazine. Titles, standfirsts and bodies are built from region- and
topic-specific vocabulary; hero images and author portraits are drawn with Pillow.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter

# --- Taxonomy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionSpec:
    name: str
    slug: str
    description: str
    ordering: int
    parent: str | None = None  # slug of the wider region
    name_zh: str = ""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    slug: str
    description: str
    ordering: int


REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec("Shanghai", "shanghai", "News, food, nightlife and culture from China's biggest city, "
               "from the Bund to the lanes of the Former French Concession.", 10, name_zh="上海"),
    RegionSpec("Beijing", "beijing", "The capital's news and neighbourhoods: hutong life, Sanlitun nights "
               "and weekends on the Great Wall.", 20, name_zh="北京"),
    RegionSpec("Guangzhou", "guangzhou", "Dim sum, design and the Pearl River: what is new in the Cantonese "
               "capital.", 30, name_zh="广州"),
    RegionSpec("Shenzhen", "shenzhen", "Start-ups, seaside escapes and a food scene that draws on every "
               "province: life in China's youngest megacity.", 40, name_zh="深圳"),
    RegionSpec("Chengdu", "chengdu", "Hotpot, teahouses, pandas and an easy-going pace: the best of "
               "Sichuan's capital.", 50, name_zh="成都"),
    RegionSpec("Hangzhou", "hangzhou", "West Lake, tea villages and a tech boom: news and weekends in "
               "Zhejiang's capital.", 60, name_zh="杭州"),
    RegionSpec("North China", "north-china", "From the Shandong coast to Shanxi's walled towns: stories from "
               "the cities of the north.", 70, name_zh="华北"),
    RegionSpec("Tianjin", "tianjin", "Port city, colonial-era avenues and the best jianbing guozi in the "
               "country, half an hour from Beijing by train.", 71, parent="north-china", name_zh="天津"),
    RegionSpec("South China", "south-china", "Beaches, karst mountains and rice-noodle towns: Hainan, Guangxi "
               "and the southern coast.", 80, name_zh="华南"),
    RegionSpec("Xiamen", "xiamen", "Island living on the Fujian coast: Gulangyu, seafood and slow "
               "afternoons by the sea.", 81, parent="south-china", name_zh="厦门"),
)

TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("News", "news", "What changed in the city this week and what it means for the people who "
              "live here.", 10),
    TopicSpec("Food & Drink", "food-drink", "New openings, old favourites and the dishes worth crossing town "
              "for.", 20),
    TopicSpec("Travel", "travel", "Weekend escapes, long journeys and how to get there by train, plane or "
              "ferry.", 30),
    TopicSpec("Culture", "culture", "Exhibitions, books, film, theatre and the people who make them.", 40),
    TopicSpec("Nightlife", "nightlife", "Bars, clubs, live music and where to go after midnight.", 50),
    TopicSpec("Family", "family", "Things to do with children, schools, parks and rainy-day plans.", 60),
    TopicSpec("Business", "business", "Companies, founders, trade fairs and the economy of the city.", 70),
    TopicSpec("Sports", "sports", "Leagues, races, clubs and where to play, from pickleball to marathons.", 80),
)

# How often each region and topic comes up: the big city editions publish the most.
REGION_WEIGHTS = {
    "shanghai": 24, "beijing": 20, "guangzhou": 11, "shenzhen": 11, "chengdu": 9, "hangzhou": 8,
    "north-china": 4, "tianjin": 5, "south-china": 4, "xiamen": 4,
}
TOPIC_WEIGHTS = {
    "news": 22, "food-drink": 20, "travel": 12, "culture": 12, "nightlife": 10, "family": 8,
    "business": 9, "sports": 7,
}

# --- Region vocabulary ----------------------------------------------------------------------

REGION_WORDS: dict[str, dict[str, list[str]]] = {
    "shanghai": {
        "city": ["Shanghai"],
        "place": ["the Bund", "Jing'an", "Xintiandi", "Tianzifang", "the Former French Concession", "Lujiazui",
                  "Yuyuan Garden", "Wukang Road", "the West Bund", "Hongkou", "Xuhui", "Anfu Road",
                  "the North Bund", "Suzhou Creek", "Columbia Circle", "Yongkang Road"],
        "dish": ["xiaolongbao", "shengjianbao", "scallion oil noodles", "hairy crab", "red-braised pork",
                 "cong you bing", "crab roe noodles"],
        "trip": ["Suzhou", "Zhujiajiao", "Moganshan", "Chongming Island", "Wuzhen", "Nanxun"],
        "river": ["the Huangpu", "Suzhou Creek"],
        "metro": ["14", "18", "19", "21"],
    },
    "beijing": {
        "city": ["Beijing"],
        "place": ["Gulou", "Sanlitun", "Dongsi", "the 798 Art District", "Wudaokou", "Qianmen", "Houhai",
                  "Liangmaqiao", "Guomao", "Shichahai", "Andingmen", "Jiaodaokou", "Nanluoguxiang",
                  "Shougang Park", "Tuanjiehu"],
        "dish": ["Peking duck", "zhajiangmian", "jianbing", "copper-pot lamb hotpot", "chuan'r",
                 "douzhi and jiaoquan", "baodu"],
        "trip": ["Mutianyu", "Jinshanling", "Chengde", "Gubeikou", "the Western Hills", "Cuandixia"],
        "river": ["the Liangma River", "the Tonghui River"],
        "metro": ["3", "12", "17", "28"],
    },
    "guangzhou": {
        "city": ["Guangzhou"],
        "place": ["Yuexiu", "Shamian Island", "Tianhe", "Liwan", "Haizhu", "Dongshankou", "Zhujiang New Town",
                  "Enning Road", "Beijing Road", "Xiaozhou Village", "Panyu", "Huangpu Village"],
        "dish": ["dim sum", "char siu", "roast goose", "congee", "rice noodle rolls", "double-skin milk",
                 "wonton noodles"],
        "trip": ["Foshan", "the Kaiping diaolou", "Conghua", "Qingyuan", "Zhaoqing", "Shunde"],
        "river": ["the Pearl River"],
        "metro": ["10", "11", "12", "22"],
    },
    "shenzhen": {
        "city": ["Shenzhen"],
        "place": ["Nanshan", "Futian", "OCT Loft", "Shekou", "Huaqiangbei", "Dafen Village", "Qianhai",
                  "Luohu", "Dameisha", "Shenzhen Bay Park", "Baishizhou", "Longgang"],
        "dish": ["Chaoshan beef hotpot", "Hakka stuffed tofu", "oyster omelette", "claypot rice",
                 "Shajing oysters", "Teochew braised goose"],
        "trip": ["the Dapeng Peninsula", "Xichong", "Huizhou", "Hong Kong", "Zhuhai", "Nan'ao"],
        "river": ["Shenzhen Bay", "the Dasha River"],
        "metro": ["13", "14", "16", "20"],
    },
    "chengdu": {
        "city": ["Chengdu"],
        "place": ["Kuanzhai Alley", "Taikoo Li", "Yulin", "Jinli", "Wenshu Monastery", "Chunxi Road",
                  "Jiuyanqiao", "People's Park", "Tongzilin", "Dongjiao Memory", "Yuxi Road"],
        "dish": ["hotpot", "mapo tofu", "dan dan noodles", "chuan chuan", "rabbit head", "zhong dumplings",
                 "sweet water noodles"],
        "trip": ["Mount Qingcheng", "Leshan", "Mount Emei", "Dujiangyan", "Jiuzhaigou", "Siguniang Mountain"],
        "river": ["the Jin River", "the Fu River"],
        "metro": ["6", "8", "9", "27"],
    },
    "hangzhou": {
        "city": ["Hangzhou"],
        "place": ["West Lake", "Hefang Street", "Longjing village", "Xixi Wetland", "Binjiang", "Nanshan Road",
                  "the Baidi Causeway", "Wulin Square", "the Qiantang riverside", "Liangzhu", "Manjuelong"],
        "dish": ["West Lake vinegar fish", "Dongpo pork", "Longjing shrimp", "beggar's chicken",
                 "pian'erchuan noodles", "cong bao hui"],
        "trip": ["Moganshan", "Qiandao Lake", "Wuzhen", "Anji", "Shaoxing", "Tonglu"],
        "river": ["the Qiantang", "the Grand Canal"],
        "metro": ["3", "10", "16", "19"],
    },
    "north-china": {
        "city": ["Qingdao", "Dalian", "Jinan", "Taiyuan", "Datong", "Shijiazhuang"],
        "place": ["Qingdao's Badaguan", "Dalian's Xinghai Square", "Jinan's Daming Lake", "Datong's city walls",
                  "Qingdao's Zhongshan Road", "Taiyuan's Liuxiang", "Dalian's Russian Street"],
        "dish": ["Qingdao clams", "knife-cut noodles", "Shandong jianbing", "donkey-meat burgers",
                 "Dalian sea urchin dumplings", "Taiyuan 'head brain' soup"],
        "trip": ["Pingyao", "Mount Tai", "the Yungang Grottoes", "Beidaihe", "Qufu", "Mount Wutai"],
        "river": ["the Yellow River", "the Fen River"],
        "metro": ["2", "4", "6", "8"],
    },
    "tianjin": {
        "city": ["Tianjin"],
        "place": ["the Five Great Avenues", "Italian Style Town", "Ancient Culture Street", "the Haihe riverside",
                  "Binhai", "Minyuan Stadium", "Heping Road", "Xikai Church square"],
        "dish": ["goubuli buns", "jianbing guozi", "ear-hole fried cakes", "Tianjin mahua", "guobacai"],
        "trip": ["Panshan", "Huangyaguan", "Jixian", "Beidaihe", "the Binhai coast"],
        "river": ["the Haihe"],
        "metro": ["4", "7", "8", "10"],
    },
    "south-china": {
        "city": ["Sanya", "Guilin", "Nanning", "Haikou", "Zhuhai", "Beihai"],
        "place": ["Sanya's Haitang Bay", "Guilin's Elephant Trunk Hill", "Haikou's qilou old street",
                  "Zhuhai's Lovers' Road", "Nanning's Zhongshan Road", "Beihai's old town"],
        "dish": ["Hainan chicken rice", "Guilin rice noodles", "luosifen", "coconut chicken hotpot",
                 "Wenchang chicken", "lemon duck"],
        "trip": ["Yangshuo", "Wuzhizhou Island", "the Longji rice terraces", "Weizhou Island", "Detian Falls",
                 "Bama"],
        "river": ["the Li River", "the Yong River"],
        "metro": ["1", "2", "3", "5"],
    },
    "xiamen": {
        "city": ["Xiamen"],
        "place": ["Gulangyu", "Zhongshan Road", "Shapowei", "Zengcuo'an", "Xiamen University's lakeside",
                  "Huandao Road", "Bailuzhou Park", "Jimei"],
        "dish": ["satay noodles", "oyster omelette", "peanut soup", "sea worm jelly", "Fujian fried rice noodles"],
        "trip": ["the Tulou of Yongding", "Quanzhou", "Wuyishan", "Dongshan Island", "Nanjing County"],
        "river": ["the Jiulong River", "Yundang Lake"],
        "metro": ["3", "4", "6"],
    },
}

# --- Shared vocabulary ----------------------------------------------------------------------

COMMON_WORDS: dict[str, list[str]] = {
    "n": ["three", "four", "five", "six", "seven", "eight", "ten", "twelve"],
    "num": ["5", "7", "8", "10", "12", "15", "20"],
    "cuisine": ["Yunnan", "Xinjiang", "Hunanese", "Cantonese", "Sichuan", "Korean barbecue", "Japanese izakaya",
                "Thai", "Italian", "Georgian", "plant-based", "Taiwanese", "Guizhou sour-soup"],
    "drink": ["natural wine", "specialty coffee", "craft beer", "baijiu cocktails", "single-origin tea",
              "sake", "mezcal"],
    "bar": ["speakeasy", "rooftop bar", "listening bar", "taproom", "wine bar", "jazz club", "cocktail den",
            "dive bar"],
    "genre": ["jazz", "techno", "indie rock", "folk", "hip-hop", "house", "post-punk", "Cantopop"],
    "art": ["photography", "contemporary ink painting", "ceramics", "graphic design", "video art",
            "printmaking", "textile art", "architecture"],
    "craft": ["paper cutting", "shadow puppetry", "blue-and-white porcelain", "silk weaving", "lacquerware",
              "calligraphy", "kite making", "woodblock printing"],
    "sector": ["electric vehicles", "robotics", "cross-border e-commerce", "biotech", "drones",
               "AI hardware", "battery recycling", "video games", "solar power"],
    "sport": ["pickleball", "padel", "ultimate frisbee", "bouldering", "five-a-side football",
              "dragon boat racing", "trail running", "road cycling", "paddleboarding"],
    "activity": ["pottery", "coding", "climbing", "ice skating", "science", "swimming", "drama", "Lego robotics"],
    "transport": ["high-speed rail", "the overnight sleeper", "a short flight", "a self-drive trip", "bike"],
    "dest": ["Singapore", "Bangkok", "Osaka", "Kuala Lumpur", "Istanbul", "Budapest", "Almaty", "Seoul"],
    "venue": ["a converted warehouse", "a 1930s villa", "a former printing works", "a rooftop garden",
              "a lane-house courtyard", "a riverside pavilion", "an old textile mill"],
    "person": ["Li Wei", "Zhang Min", "Chen Jing", "Wang Fang", "Liu Yang", "Huang Lei", "Zhao Xin", "Sun Yue",
               "Zhou Qing", "Wu Hao", "Tom Becker", "Sarah Ng", "Marco Rossi", "Aisha Karim", "Daniel Park",
               "Yuki Tanaka", "Emma Laurent", "Gao Ming", "Xu Lan", "Lin Ting"],
    "weekday": ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "price": ["35", "48", "58", "68", "88", "128", "188"],
}

# --- Topic vocabulary: titles, standfirsts, body sentences, subheadings, tags ---------------

TOPIC_WORDS: dict[str, dict[str, list[str]]] = {
    "news": {
        "title": [
            "Metro Line {metro} extension brings {place} closer to the centre",
            "{city} opens a new riverside greenway along {river}",
            "New e-bike rules take effect across {city}",
            "{place} pedestrian street reopens after a two-year revamp",
            "{city} adds {num} night bus routes to ease the late rush",
            "Heat advisory: {city} opens cooling centres in public libraries",
            "Direct flights from {city} to {dest} return",
            "What the new waste-sorting checks mean for {place} residents",
            "A landmark building in {place} reopens as a public library",
            "{city} trials 24-hour clinics in {num} neighbourhoods",
            "Visa-free transit: {city} publishes a guide for 240-hour visitors",
            "Road closures around {place} for the weekend: what to know",
            "{city} plans {num} new pocket parks by next year",
            "Old lane houses in {place} to be restored, not demolished",
            "Taxi apps in {city} add English menus for visitors",
        ],
        "standfirst": [
            "The change affects thousands of commuters around {place}; here is what it means for you.",
            "City officials say the plan will be finished by next year. Residents of {place} have questions.",
            "From timetables to fines, the details you need before the new rules start in {city}.",
            "A long-awaited project for {city}, and a test of how the city balances old streets and new needs.",
            "We asked residents, shopkeepers and planners in {place} what they make of it.",
        ],
        "sentence": [
            "The plan was announced by the {city} transport bureau on {weekday} and takes effect next month.",
            "Residents around {place} have been asking for the change for years.",
            "Officials expect the work to cut journey times from {place} by up to twenty minutes.",
            "Shopkeepers on the street were split: some welcome the extra footfall, others worry about rents.",
            "The first phase covers {num} stations, with more to follow if the trial goes well.",
            "Notices have gone up in lobbies and on WeChat groups, in Chinese and in English.",
            "Fines for ignoring the new rules start at {price} yuan, though police say they will warn first.",
            "Foreign residents can use the same app as everyone else; registration takes a passport number.",
            "A similar scheme in {place2} last year was judged a success after a slow start.",
            "The city says feedback can be left through the 12345 hotline until the end of the month.",
            "Construction noise will be limited to daytime hours, according to the notice.",
            "For now, the old routes keep running alongside the new ones.",
        ],
        "subhead": ["What changes", "Who is affected", "What happens next", "The details", "How to get there"],
        "tag": ["metro", "city planning", "transport", "public services", "visas", "weather", "housing"],
    },
    "food-drink": {
        "title": [
            "{n} bowls of {dish} worth queuing for in {city}",
            "The best {dish} in {place}, ranked",
            "A new {cuisine} restaurant lands in {place}",
            "Where to eat {dish} after midnight in {city}",
            "Inside {city}'s quiet {drink} boom",
            "Brunch in {place}: {n} tables we keep going back to",
            "Chef interview: reinventing {dish} for a new generation",
            "Cheap eats: lunch under {price} kuai around {place}",
            "{place}'s new food hall, stall by stall",
            "Review: a {cuisine} tasting menu in {venue}",
            "{n} bakeries in {city} that sell out by noon",
            "The {drink} bars of {place}, tried and tested",
            "A morning with the {dish} makers of {place}",
            "Hidden kitchens: {n} home-style restaurants in {city}",
        ],
        "standfirst": [
            "We ate our way around {place} so you do not have to guess. Bring cash and patience.",
            "From decades-old stalls to newcomers with queues round the block, the {dish} worth your time.",
            "A small menu, a big following and a kitchen that closes when the food runs out.",
            "The team behind it cut their teeth in {city2}'s best kitchens; the prices are gentler than you think.",
            "Where to go, what to order, and when to avoid the rush.",
        ],
        "sentence": [
            "The {dish} arrives fast and is every bit as good as the queue suggests.",
            "Expect a queue on weekends; weekday lunch is quieter, and the kitchen is at its best before one.",
            "The menu is short: five cold dishes, a handful of mains and {dish} done three ways.",
            "Most dishes cost between {price} and {price2} yuan, and portions are made for sharing.",
            "The room is small, with a dozen seats along a counter facing the open kitchen.",
            "Order the {dish2} too; it is the dish regulars talk about.",
            "The {drink} list leans towards small producers, with several bottles by the glass.",
            "Reservations open on WeChat every {weekday} at noon and go within minutes.",
            "The chef trained in {cuisine} kitchens before coming home to open her own place in {place}.",
            "Service is brisk but friendly, and there is an English menu if you ask.",
            "Vegetarians are well served, with tofu, mushroom and seasonal greens on every section of the menu.",
            "Dessert is a single choice that changes with the market.",
        ],
        "subhead": ["What to order", "The room", "Good to know", "The verdict", "Where and when"],
        "tag": ["new openings", "street food", "restaurants", "coffee", "cocktails", "brunch", "vegetarian",
                "budget eats"],
    },
    "travel": {
        "title": [
            "48 hours in {trip}",
            "Weekend escape: {trip} by {transport}",
            "Hiking around {trip} without the crowds",
            "{n} day trips from {city} you can do by train",
            "A slow weekend in {trip}'s old town",
            "Where to stay in {trip}: {n} guesthouses we love",
            "The road to {trip}: a photo journey",
            "{trip} off-season: why autumn is the best time to go",
            "A cyclist's guide to {trip}",
            "From {city} to {trip} on {transport}: is it worth it?",
            "{trip} with kids: the practical guide",
            "What to eat in {trip}, from breakfast to late-night snacks",
        ],
        "standfirst": [
            "Just a few hours from {city}, and a world away from the office.",
            "Where to sleep, what to eat and the walks worth getting up early for.",
            "Trains, tickets and timings: everything you need to plan the trip this weekend.",
            "Quieter than the famous spots and, for our money, more beautiful.",
            "Pack walking shoes and a rain jacket; leave the itinerary loose.",
        ],
        "sentence": [
            "Trains leave {city} every half hour from early morning, and the fastest take under two hours.",
            "Book a guesthouse in the old town rather than a hotel by the highway; the difference is worth it.",
            "The walk to the viewpoint takes about ninety minutes, with steps most of the way.",
            "Go early: by ten the tour groups arrive and the lanes fill up.",
            "Local buses connect the main sights, though a driver for the day costs less than you might think.",
            "The town's breakfast noodles are reason enough to stay a second night.",
            "Tickets can be booked through the usual apps with a passport; bring the physical document too.",
            "In the evening the lanes empty and the lanterns come on along the water.",
            "Spring and autumn are the best seasons; summer is humid and the holidays are very busy.",
            "Mobile payment works almost everywhere, but keep a little cash for rural stalls.",
            "The guesthouse owner, {person}, will happily draw you a map of the back roads.",
            "We took the late train back to {city} and were home before midnight.",
        ],
        "subhead": ["Getting there", "Where to stay", "Where to eat", "Know before you go", "Day two"],
        "tag": ["weekend trips", "high-speed rail", "hiking", "hotels", "road trips", "islands", "old towns"],
    },
    "culture": {
        "title": [
            "{n} exhibitions to see in {city} this month",
            "Inside the new {art} museum in {place}",
            "{city}'s independent bookshops are having a moment",
            "A walking tour of {place}'s architecture",
            "Behind the scenes at {city}'s oldest theatre",
            "A film week brings {num} premieres to {place}",
            "Meet the artists reviving {craft} in {city}",
            "Review: a major {art} retrospective in {venue}",
            "{city}'s new concert hall, heard from every seat",
            "The collectors turning {place} into a gallery district",
            "A century of {craft}, told by the family that kept it alive",
            "Poetry nights, zines and open studios: {place}'s creative weekend",
        ],
        "standfirst": [
            "A show that rewards a slow visit, in one of the city's most surprising spaces.",
            "From {art} to {craft}, the openings worth your weekend.",
            "We spent an afternoon with the people keeping an old tradition alive in {city}.",
            "Tickets are cheap, the crowds are small and the work is very good.",
            "A new generation is finding its audience in {place}.",
        ],
        "sentence": [
            "The show fills three floors of {venue} and runs until the end of next month.",
            "Entry costs {price} yuan, with free admission on the first {weekday} of the month.",
            "Wall texts are in Chinese and English, and there is a free audio guide on the museum's mini-program.",
            "The curator, {person}, spent four years tracking down works held in private collections.",
            "Most of the pieces have never been shown in {city} before.",
            "The building itself is half the reason to go: a restored industrial hall with light from above.",
            "Weekend workshops in {craft} are open to beginners and sell out fast.",
            "The bookshop downstairs stocks catalogues, prints and a good selection of translated fiction.",
            "Allow two hours, and more if you stop for coffee on the terrace.",
            "Photography is allowed in most rooms, without flash.",
            "Talks with the artists are held on {weekday} evenings, some with English interpretation.",
            "The neighbourhood around {place} has quietly become one of the city's best places to see new work.",
        ],
        "subhead": ["What to see", "The artists", "Tickets and times", "Around the corner", "Why it matters"],
        "tag": ["exhibitions", "museums", "books", "film", "theatre", "architecture", "heritage"],
    },
    "nightlife": {
        "title": [
            "{n} new bars to try in {place}",
            "{city}'s best {genre} venues right now",
            "Where the DJs go after hours in {city}",
            "A night out in {place}: from dumplings to the dance floor",
            "A {bar} hides behind a noodle shop in {place}",
            "The {drink} crawl: {n} stops around {place}",
            "Last orders: {city}'s late-night food after the clubs close",
            "Inside the {bar} everyone in {city} is talking about",
            "Live {genre} every night: the small stages of {city}",
            "Happy hours in {place} that are actually happy",
            "Karaoke, reinvented: {city}'s design-led KTV rooms",
        ],
        "standfirst": [
            "Dim lights, good records and a bartender who remembers your order.",
            "Where to start, where to end up, and what to eat in between.",
            "The openings, the stalwarts and the one place you will not find without directions.",
            "Small rooms, loud music and no dress code.",
            "The best nights out in {place} start late and end with noodles.",
        ],
        "sentence": [
            "The door is unmarked; look for the neon sign above the noodle shop and take the stairs.",
            "Cocktails start at {price} yuan, and the house highball is the one to order.",
            "On weekends the {genre} sets run from ten until the small hours.",
            "The back bar holds more than a hundred bottles, many from small producers.",
            "Seating is limited, so arrive before nine or book through the bar's WeChat account.",
            "The owner, {person}, ran bars in {city2} before opening here.",
            "There is no cover charge on weeknights; weekend parties cost around {price} yuan with a drink.",
            "The sound system was built by a local collective and is the best in the neighbourhood.",
            "A small menu of bar snacks runs until late: fried chicken, cold noodles and spiced peanuts.",
            "Taxis wait at the corner, and the last metro leaves just after eleven.",
            "Regulars come for the {drink} and stay for the records.",
            "Its rooftop terrace looks out over {place} and fills fast on warm evenings.",
        ],
        "subhead": ["What to drink", "The music", "Getting in", "Late-night eats", "Good to know"],
        "tag": ["bars", "live music", "clubs", "cocktails", "craft beer", "late night"],
    },
    "family": {
        "title": [
            "{n} rainy-day activities for kids in {city}",
            "The best parks for a family picnic around {place}",
            "A new science museum opens its doors in {place}",
            "Weekend classes in {city}: {activity}, clay and climbing",
            "Family-friendly brunches in {place}",
            "School holidays in {city}: a week of plans",
            "{n} places to learn {activity} in {city}",
            "Farm visits near {city} where children can pick their own fruit",
            "The playgrounds of {place}, rated by a six-year-old",
            "Bilingual story times in {city}'s public libraries",
            "Baby-friendly cafes around {place}",
        ],
        "standfirst": [
            "Tired children, happy parents: the plans that worked for us.",
            "Free, cheap or worth the splurge: ideas for every weekend.",
            "Indoor, outdoor and everything in between, with opening hours and prices.",
            "We tested them all with the toughest critics we know.",
            "Easy to reach by metro, with space for prams and snacks on hand.",
        ],
        "sentence": [
            "Tickets for children under 1.2 metres are free, and a family pass costs {price} yuan.",
            "There are changing rooms, a nursing room and plenty of space to park a buggy.",
            "Classes are taught in Chinese and English, and trial sessions cost {price} yuan.",
            "The lawn by the lake is the best spot for a picnic; bring a mat and arrive before eleven.",
            "Weekday mornings are quietest; weekends get busy from ten.",
            "Older children will love the hands-on {activity} workshop on the second floor.",
            "The cafe serves simple noodles, fruit and a decent flat white for the grown-ups.",
            "Booking is through the venue's mini-program, which also has an English page.",
            "Teachers keep groups small, rarely more than eight children.",
            "{person}, a mother of two who lives nearby, calls it the best playground in {city}.",
            "It is a short walk from the metro, with lifts at every exit.",
            "In summer the fountains are switched on and swimsuits are welcome.",
        ],
        "subhead": ["Good to know", "Ages and prices", "Getting there", "For the grown-ups", "Plan B"],
        "tag": ["kids", "parks", "schools", "weekend plans", "museums", "classes"],
    },
    "business": {
        "title": [
            "{city} start-ups bet big on {sector}",
            "Co-working spaces in {place} fill up again",
            "Why foreign brands keep opening flagships in {place}",
            "{city} trade fair draws record crowds",
            "{sector} makers expand in {city}",
            "Q&A: a founder on building a {sector} company in {city}",
            "The coffee chains fighting for {city}'s office workers",
            "{place} office towers turn to flexible leases",
            "How {city}'s small shops are adapting to instant delivery",
            "Hiring in {sector}: what employers in {city} are looking for",
            "A {num}-year-old family firm in {place} goes global",
            "Cross-border payment made simpler for {city}'s visitors",
        ],
        "standfirst": [
            "Investors are watching, and the talent is already here.",
            "What the numbers say, and what the people behind them think.",
            "From a small studio in {place} to customers on three continents.",
            "The city wants to be a hub for {sector}; we asked founders whether it is working.",
            "Rents, hiring and red tape: the view from the ground.",
        ],
        "sentence": [
            "The company was founded five years ago in a small office in {place} and now employs more than {num}0 people.",
            "Its founder, {person}, says the city's supply chains are its biggest advantage.",
            "Office vacancy in the district has fallen for three quarters in a row, according to local agents.",
            "Several firms have moved from {city2} in the past year, drawn by subsidies and lower rents.",
            "The fair's organisers counted exhibitors from more than {num} countries.",
            "Foreign visitors can now pay with international cards at most large venues.",
            "Analysts say {sector} is where the next wave of growth will come from.",
            "Hiring remains the hardest part, especially for engineers with overseas experience.",
            "The district offers a year of free rent to qualifying start-ups.",
            "Exports make up about half of sales, mostly to Southeast Asia and Europe.",
            "The next funding round is expected before the end of the year.",
            "Smaller shops say platform fees are the main pressure on their margins.",
        ],
        "subhead": ["The numbers", "The founders", "What's next", "The view from the street", "In context"],
        "tag": ["start-ups", "economy", "trade", "technology", "retail", "jobs"],
    },
    "sports": {
        "title": [
            "{city} Marathon registration opens with {num},000 places",
            "Where to play {sport} in {city}",
            "Five-a-side football leagues kick off in {place}",
            "Running routes along {river}, tried and timed",
            "{city}'s climbing gyms, tested",
            "Dragon boat teams are recruiting in {city}",
            "The rise of {sport} in {place}",
            "Sunday rides: cycling clubs around {city}",
            "{city} hosts an international {sport} tournament",
            "A beginner's guide to {sport} in {city}",
            "Swimming pools in {city} open to the public this summer",
        ],
        "standfirst": [
            "From complete beginners to club regulars, there is a team for you.",
            "Courts, coaches and the best times to turn up.",
            "Lace up: the routes, the clubs and the races worth training for.",
            "A sport that barely existed here five years ago now has waiting lists.",
            "Where to play, what it costs and how to join in {city}.",
        ],
        "sentence": [
            "Courts cost about {price} yuan an hour and can be booked on the venue's mini-program.",
            "The club meets every {weekday} evening and welcomes beginners.",
            "Registration closes at the end of the month, and places are drawn by lottery.",
            "The riverside route along {river} is flat, lit at night and about ten kilometres long.",
            "Coach {person} says most newcomers can play a proper game after three sessions.",
            "Teams mix locals and foreigners, and the group chat is bilingual.",
            "Shoes can be rented at the door; bring your own water.",
            "Early mornings are best in summer, before the heat builds.",
            "The league runs for ten weeks, with a final on the last weekend.",
            "Membership costs {price} yuan a month, with a free first session.",
            "Several players in {place} have gone on to compete at national level.",
            "After the game, most of the team heads for noodles nearby.",
        ],
        "subhead": ["How to join", "The routes", "Kit and costs", "Race day", "For beginners"],
        "tag": ["running", "football", "cycling", "fitness", "marathons", "outdoors"],
    },
}

GENERAL_SENTENCES = [
    "{place} has changed a lot in the past decade, but some things have stayed the same.",
    "It is a short walk from the nearest metro station, and shared bikes are parked at every corner.",
    "Word spread first on Xiaohongshu, and the weekend crowds followed.",
    "The neighbourhood around {place} wakes early, with breakfast stalls open before seven.",
    "Ask anyone who has lived in {city} for a while and they will have an opinion.",
    "Weekends are busy; if you can, go on a weekday.",
    "Opening hours change with the seasons, so check before you go.",
    "For visitors, the easiest way in is by metro or taxi; parking is scarce.",
]

QUOTES = [
    "\u201cWe wanted something that felt like the {city} we grew up in,\u201d says {person}, who has lived in {place} for twenty years.",
    "\u201cPeople come once out of curiosity and then come back with their friends,\u201d says {person}.",
    "\u201cIt is not about being new; it is about doing one thing well,\u201d {person} told us.",
    "\u201cThe neighbourhood has been good to us,\u201d says {person}. \u201cWe want to give something back.\u201d",
    "\u201cI tell everyone visiting {city} to start here,\u201d says {person}, a regular.",
    "\u201cNobody expected this many people in the first month,\u201d admits {person}.",
]

GENERAL_TAGS = ["weekend", "expat life", "local favourites", "free", "what's new", "guides"]


# --- Text generators ------------------------------------------------------------------------


class _Words(dict):
    """Format-map that picks each missing slot once, so a slot means the same thing in one text."""

    def __init__(self, rng: random.Random, region: str):
        super().__init__()
        self.rng = rng
        self.region = REGION_WORDS[region]

    def __missing__(self, key):
        base = key.rstrip("0123456789")
        pool = self.region.get(base) or COMMON_WORDS.get(base)
        if base == "city" and key != base:
            pool = [REGION_WORDS[r]["city"][0] for r in ("shanghai", "beijing", "guangzhou", "shenzhen", "chengdu")]
        if pool is None:
            raise KeyError(key)
        taken = {v for k, v in self.items() if k.rstrip("0123456789") == base}
        choices = [word for word in pool if word not in taken] or list(pool)
        value = self.rng.choice(choices)
        self[key] = value
        return value


def fill(template: str, rng: random.Random, region: str, words: _Words | None = None) -> str:
    words = words if words is not None else _Words(rng, region)
    text = template.format_map(words)
    return text[0].upper() + text[1:]


def article_title(rng: random.Random, region: str, topic: str) -> str:
    return fill(rng.choice(TOPIC_WORDS[topic]["title"]), rng, region)


def article_standfirst(rng: random.Random, region: str, topic: str) -> str:
    return fill(rng.choice(TOPIC_WORDS[topic]["standfirst"]), rng, region)


def article_body(rng: random.Random, region: str, topic: str) -> str:
    """A Markdown body of 5-9 paragraphs; some with a subheading, some with a [read more] slot."""
    words = _Words(rng, region)
    vocabulary = TOPIC_WORDS[topic]
    sentences = list(vocabulary["sentence"]) + list(GENERAL_SENTENCES)
    rng.shuffle(sentences)
    quotes = rng.sample(QUOTES, 2)
    paragraph_count = rng.randint(5, 9)
    # Two to four sentences a paragraph, never more than the pool holds, so nothing repeats.
    sizes = [2] * paragraph_count
    spare = len(sentences) - sum(sizes)
    while spare > 0 and any(size < 4 for size in sizes) and rng.random() < 0.8:
        index = rng.randrange(paragraph_count)
        if sizes[index] < 4:
            sizes[index] += 1
            spare -= 1
    paragraphs = []
    for number, size in enumerate(sizes):
        chosen = [sentences.pop() for _ in range(size)]
        if number in (1, 4) and quotes:
            # Each quote has a speaker of its own, distinct from anyone named elsewhere.
            chosen.insert(rng.randint(0, len(chosen)), quotes.pop().replace("{person}", f"{{person{number + 2}}}"))
        paragraphs.append(" ".join(fill(sentence, rng, region, words) for sentence in chosen))
    parts: list[str] = []
    subheads = rng.sample(vocabulary["subhead"], 2)
    heading_at = set()
    if rng.random() < 0.6:
        heading_at.add(rng.choice((2, 3)))
        if paragraph_count >= 7 and rng.random() < 0.5:
            heading_at.add(paragraph_count - 2)
    read_more_at = rng.choice((2, 3)) if rng.random() < 0.35 else None
    for index, paragraph in enumerate(paragraphs):
        if index in heading_at:
            parts.append("## " + subheads.pop())
        parts.append(paragraph)
        if index + 1 == read_more_at:
            parts.append("[read more]")
    chinese = chinese_paragraph(rng, region)
    if chinese:
        parts.append(chinese)
    return "\n\n".join(parts) + "\n"


# Chinese running text for some bodies, from real place, dish and venue names, so a reader can
# search the demo in Chinese (南京路, 步行街, 小笼包 ...). Drawn after the English text, from the same
# generator, so the English words of every body are what they were.
REGION_WORDS_ZH: dict[str, dict[str, list[str]]] = {
    "shanghai": {"place": ["南京路步行街", "外滩", "豫园", "新天地", "田子坊", "武康路", "陆家嘴", "静安寺"],
                 "dish": ["小笼包", "生煎包", "葱油拌面", "红烧肉", "蟹粉面"]},
    "beijing": {"place": ["南锣鼓巷", "王府井", "三里屯", "五道营胡同", "故宫", "什刹海", "798艺术区"],
                "dish": ["北京烤鸭", "炸酱面", "涮羊肉", "豆汁", "卤煮"]},
    "guangzhou": {"place": ["上下九步行街", "沙面", "北京路", "珠江新城", "陈家祠", "永庆坊"],
                  "dish": ["虾饺", "肠粉", "叉烧包", "艇仔粥", "双皮奶"]},
    "shenzhen": {"place": ["华强北", "东门步行街", "南头古城", "大梅沙", "蛇口", "深圳湾公园"],
                 "dish": ["潮汕牛肉火锅", "椰子鸡", "烧鹅", "肠粉"]},
    "chengdu": {"place": ["宽窄巷子", "锦里", "春熙路", "人民公园", "太古里", "玉林路"],
                "dish": ["火锅", "担担面", "钟水饺", "兔头", "串串香"]},
    "hangzhou": {"place": ["西湖", "河坊街", "龙井村", "灵隐寺", "南宋御街", "西溪湿地"],
                 "dish": ["西湖醋鱼", "东坡肉", "龙井虾仁", "片儿川"]},
    "north-china": {"place": ["平遥古城", "五大道", "青岛栈桥", "济南趵突泉", "大同古城"],
                    "dish": ["刀削面", "煎饼果子", "把子肉", "鲅鱼水饺"]},
    "tianjin": {"place": ["五大道", "意式风情区", "古文化街", "天津之眼", "鼓楼", "海河"],
                "dish": ["狗不理包子", "煎饼果子", "耳朵眼炸糕", "十八街麻花", "锅巴菜"]},
    "south-china": {"place": ["三亚湾", "阳朔西街", "北海老街", "海口骑楼老街", "桂林两江四湖"],
                    "dish": ["螺蛳粉", "桂林米粉", "文昌鸡", "清补凉"]},
    "xiamen": {"place": ["鼓浪屿", "中山路步行街", "沙坡尾", "曾厝垵", "环岛路", "厦门大学"],
               "dish": ["沙茶面", "土笋冻", "海蛎煎", "花生汤"]},
}
SENTENCES_ZH = (
    "很多游客去{place}，晚上的夜景很美。",
    "周末我们在{place}散步，顺便吃了{dish}。",
    "{place}附近有一家老字号，{dish}值得排队。",
    "本地人说，最好的{dish}不在{place}，而在旁边的小巷里。",
    "从{place}出来，可以坐地铁去{other}，那里的咖啡馆人不多。",
    "{city}的朋友推荐了{other}的{dish}，味道不错。",
)
CHINESE_SHARE = 0.4  # of bodies that end with a paragraph in Chinese
# English names given in brackets the first time a place comes up, as bilingual guides do.
PLACE_GLOSSES = {
    "南京路步行街": "Nanjing Road", "外滩": "the Bund", "王府井": "Wangfujing", "宽窄巷子": "Kuanzhai Alley",
    "西湖": "West Lake", "五大道": "Five Avenues", "鼓浪屿": "Gulangyu", "华强北": "Huaqiangbei",
    "沙面": "Shamian", "阳朔西街": "Yangshuo West Street",
}


def chinese_paragraph(rng: random.Random, region: str) -> str:
    """Two or three sentences of Chinese about the region, or '' (most bodies have none)."""
    if rng.random() >= CHINESE_SHARE:
        return ""
    words = REGION_WORDS_ZH[region]
    city = next(spec.name_zh for spec in REGIONS if spec.slug == region)
    sentences = rng.sample(SENTENCES_ZH, rng.choice((2, 3)))
    places = rng.sample(words["place"], 2)
    text = "".join(
        sentence.format(place=places[0], other=places[1], dish=rng.choice(words["dish"]), city=city)
        for sentence in sentences
    )
    for place in places:
        if place in PLACE_GLOSSES:
            text = text.replace(place, f"{place}（{PLACE_GLOSSES[place]}）", 1)
    return text


def article_tags(rng: random.Random, region: str, topic: str) -> list[str]:
    """Two to four distinct tag names: mostly from the topic, sometimes the place or a general one."""
    count = rng.choice((2, 3, 3, 4))
    names = rng.sample(TOPIC_WORDS[topic]["tag"], min(2, count))
    extras = [REGION_WORDS[region]["city"][0].lower(), *GENERAL_TAGS]
    rng.shuffle(extras)
    for name in extras:
        if len(names) >= count:
            break
        if name not in names:
            names.append(name)
    return names


def all_tag_names() -> list[str]:
    names = {name for words in TOPIC_WORDS.values() for name in words["tag"]}
    names.update(GENERAL_TAGS)
    names.update(words["city"][0].lower() for words in REGION_WORDS.values())
    return sorted(names)


# --- Authors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorSpec:
    name: str
    slug: str
    bio: str
    beats: tuple[str, ...]  # topic slugs this author mostly writes about
    colour: tuple[int, int, int]


AUTHORS: tuple[AuthorSpec, ...] = (
    AuthorSpec("Mia Chen", "mia-chen", "Mia has eaten her way through Shanghai for a decade and still "
               "cannot choose a favourite xiaolongbao. She edits our food and drink pages.",
               ("food-drink", "nightlife"), (196, 98, 72)),
    AuthorSpec("Daniel Zhou", "daniel-zhou", "Daniel covers city news and business from Beijing. Before "
               "joining the magazine he reported on transport and urban planning.",
               ("news", "business"), (54, 92, 140)),
    AuthorSpec("Lena Hoffmann", "lena-hoffmann", "Lena moved to Chengdu for a year in 2014 and never left. "
               "She writes about travel, trains and the towns most visitors skip.",
               ("travel", "culture"), (62, 140, 120)),
    AuthorSpec("Wang Jie", "wang-jie", "Jie is a Guangzhou native, a five-a-side regular and a father of two; "
               "he writes our sports and family coverage.",
               ("sports", "family"), (210, 150, 50)),
    AuthorSpec("Priya Raman", "priya-raman", "Priya writes about exhibitions, books and live music, and "
               "can usually be found at a gig in Shenzhen on a Thursday night.",
               ("culture", "nightlife"), (130, 70, 150)),
    AuthorSpec("Zhao Yifan", "zhao-yifan", "Yifan reports from Hangzhou on the news that shapes daily life, "
               "from metro lines to school places, and on the city's tea villages.",
               ("news", "family", "food-drink"), (90, 120, 60)),
)


# --- Pictures -------------------------------------------------------------------------------

HERO_SIZE = (1600, 1000)

# Per topic: the kind of scene and a palette (sky top, sky bottom, accent, dark, light).
TOPIC_SCENES: dict[str, tuple[str, tuple]] = {
    "news": ("skyline", ((28, 48, 86), (226, 140, 92), (255, 214, 120), (22, 28, 44), (255, 236, 180))),
    "food-drink": ("table", ((120, 62, 38), (186, 112, 70), (212, 60, 40), (70, 36, 24), (248, 238, 220))),
    "travel": ("mountains", ((120, 186, 214), (250, 214, 170), (244, 150, 70), (40, 84, 96), (255, 250, 235))),
    "culture": ("lanterns", ((120, 20, 32), (214, 120, 60), (232, 44, 40), (50, 16, 20), (255, 210, 120))),
    "nightlife": ("night", ((16, 10, 40), (90, 30, 110), (255, 80, 180), (10, 8, 20), (120, 220, 255))),
    "family": ("park", ((150, 210, 240), (226, 244, 250), (250, 200, 60), (60, 130, 70), (255, 255, 255))),
    "business": ("towers", ((30, 50, 80), (150, 180, 210), (120, 200, 230), (20, 30, 50), (220, 235, 250))),
    "sports": ("field", ((60, 130, 70), (90, 160, 80), (220, 90, 50), (30, 80, 40), (245, 245, 240))),
}

SCENE_TEXT = {
    "skyline": ("City skyline at dusk", "An illustrated city skyline at dusk, with lit windows and a low sun.",
                "Evening over the city."),
    "table": ("A table of shared dishes", "An illustrated table seen from above, with bowls, plates and chopsticks.",
              "Dishes for sharing."),
    "mountains": ("Mountains and river", "An illustrated landscape of layered mountains above a winding river.",
                  "A weekend away from the city."),
    "lanterns": ("Red lanterns", "An illustration of red lanterns hanging in a row against a warm evening sky.",
                 "Lanterns for the festival."),
    "night": ("Neon night", "An illustration of blurred neon lights and a dark street at night.",
              "The city after dark."),
    "park": ("A day in the park", "An illustrated park with green hills, round trees and a kite in a blue sky.",
             "Weekend in the park."),
    "towers": ("Glass towers", "An illustration of tall glass office towers against a pale sky.",
               "The business district."),
    "field": ("Sports field", "An illustrated sports ground with white lines and a running track.",
              "Game day."),
}

IMAGE_CREDIT = "Illustration: City Magazine studio"


def _mix(a, b, t: float):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _vertical_gradient(size, top, bottom) -> PILImage.Image:
    width, height = size
    strip = PILImage.new("RGB", (1, 256))
    strip.putdata([_mix(top, bottom, i / 255) for i in range(256)])
    return strip.resize((width, height), PILImage.Resampling.BILINEAR)


def _ridge(rng, width, base, amplitude, steps=24):
    points = []
    height = base
    for i in range(steps + 1):
        height += rng.uniform(-amplitude, amplitude)
        height = max(base - amplitude * 3, min(base + amplitude * 2, height))
        points.append((round(i * width / steps), round(height)))
    return points


def _skyline(draw, rng, size, palette, glass=False):
    width, height = size
    top, bottom, accent, dark, light = palette
    if not glass:
        radius = rng.randint(70, 120)
        cx, cy = rng.randint(200, width - 200), rng.randint(320, 520)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=accent)
    for layer, shade in ((0, 0.45), (1, 0.0)):
        colour = _mix(dark, bottom, shade)
        x = -rng.randint(0, 60)
        while x < width:
            w = rng.randint(60, 150) if not glass else rng.randint(110, 220)
            h = rng.randint(260, 620) - layer * 120 if not glass else rng.randint(420, 860) - layer * 200
            box = (x, height - h, x + w, height)
            draw.rectangle(box, fill=colour)
            if layer == 1 or glass:
                if glass:
                    for gx in range(x + 10, x + w - 10, 22):
                        draw.line((gx, height - h + 10, gx, height), fill=_mix(colour, light, 0.25), width=2)
                else:
                    for wy in range(height - h + 20, height - 30, 34):
                        for wx in range(x + 12, x + w - 16, 26):
                            if rng.random() < 0.45:
                                draw.rectangle((wx, wy, wx + 10, wy + 14), fill=light)
            if rng.random() < 0.2 and not glass:
                draw.polygon([(x, height - h), (x + w // 2, height - h - 60), (x + w, height - h)], fill=colour)
            x += w + rng.randint(0, 24)


def _table(draw, rng, size, palette):
    width, height = size
    top, bottom, accent, dark, light = palette
    for _ in range(rng.randint(5, 7)):
        r = rng.randint(120, 230)
        cx, cy = rng.randint(r, width - r), rng.randint(r, height - r)
        draw.ellipse((cx - r - 12, cy - r - 12, cx + r + 12, cy + r + 12), fill=_mix(dark, bottom, 0.5))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=light)
        inner = int(r * rng.uniform(0.55, 0.75))
        food = rng.choice([accent, (236, 180, 60), (110, 150, 60), (180, 90, 40), (240, 220, 190)])
        draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), fill=food)
        for _ in range(rng.randint(4, 9)):
            pr = rng.randint(10, 26)
            px, py = cx + rng.randint(-inner // 2, inner // 2), cy + rng.randint(-inner // 2, inner // 2)
            draw.ellipse((px - pr, py - pr, px + pr, py + pr), fill=_mix(food, light, rng.uniform(0.2, 0.6)))
    for _ in range(2):
        x0, y0 = rng.randint(100, width - 500), rng.randint(100, height - 200)
        angle = rng.uniform(-0.5, 0.5)
        for offset in (0, 26):
            x1, y1 = x0 + 480 * math.cos(angle), y0 + 480 * math.sin(angle) + offset
            draw.line((x0, y0 + offset, x1, y1), fill=(60, 34, 20), width=9)


def _mountains(draw, rng, size, palette):
    width, height = size
    top, bottom, accent, dark, light = palette
    radius = rng.randint(60, 110)
    cx, cy = rng.randint(300, width - 300), rng.randint(180, 360)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=accent)
    layers = rng.randint(4, 5)
    for layer in range(layers):
        t = layer / (layers - 1)
        colour = _mix(_mix(bottom, dark, 0.35), dark, t)
        base = 420 + layer * 110
        points = _ridge(rng, width, base, 40 + layer * 6)
        draw.polygon([(0, height), *points, (width, height)], fill=colour)
    river = []
    x = rng.randint(width // 3, 2 * width // 3)
    for y in range(height - 260, height + 20, 20):
        x += rng.randint(-40, 40)
        river.append((x, y))
    for i, (x, y) in enumerate(river):
        spread = 10 + i * 7
        draw.ellipse((x - spread, y - 8, x + spread, y + 8), fill=_mix(top, light, 0.3))


def _lanterns(draw, rng, size, palette):
    width, height = size
    top, bottom, accent, dark, light = palette
    # A row of old rooftops with upturned eaves.
    x = -rng.randint(0, 120)
    while x < width:
        w = rng.randint(260, 420)
        top_y = height - rng.randint(260, 420)
        shade = _mix(dark, top, rng.uniform(0.2, 0.4))
        draw.rectangle((x + 30, top_y + 50, x + w - 30, height), fill=shade)
        draw.polygon([(x - 30, top_y + 40), (x + 40, top_y + 20), (x + 70, top_y - 40), (x + w - 70, top_y - 40),
                      (x + w - 40, top_y + 20), (x + w + 30, top_y + 40), (x + w - 20, top_y + 60),
                      (x + 20, top_y + 60)], fill=_mix(shade, dark, 0.4))
        for wx in range(x + 70, x + w - 90, 70):
            draw.rectangle((wx, top_y + 110, wx + 36, top_y + 170), fill=_mix(light, accent, 0.3))
        x += w + rng.randint(10, 60)
    rows = rng.randint(1, 2)
    for row in range(rows):
        y_line = 80 + row * 260
        sag = rng.randint(40, 90)
        count = rng.randint(5, 8)
        draw.line((0, y_line, width, y_line + sag // 2), fill=dark, width=4)
        for i in range(count):
            x = int((i + 0.5) * width / count) + rng.randint(-30, 30)
            y = y_line + int(sag * math.sin(math.pi * x / width)) + 40
            rw, rh = rng.randint(55, 85), rng.randint(70, 100)
            draw.line((x, y - 40, x, y - rh + 10), fill=dark, width=3)
            draw.ellipse((x - rw, y - rh // 2, x + rw, y + rh // 2 + 30), fill=accent)
            for k in (-1, 0, 1):
                draw.arc((x - rw + 18 + k * 20, y - rh // 2, x + rw - 18 + k * 20, y + rh // 2 + 30), 270, 90,
                         fill=_mix(accent, dark, 0.35), width=2)
            draw.rectangle((x - rw // 2, y - rh // 2 - 8, x + rw // 2, y - rh // 2 + 6), fill=light)
            draw.rectangle((x - rw // 2, y + rh // 2 + 24, x + rw // 2, y + rh // 2 + 38), fill=light)
            draw.line((x, y + rh // 2 + 38, x, y + rh // 2 + 90), fill=light, width=3)


def _night(image, rng, size, palette):
    width, height = size
    top, bottom, accent, dark, light = palette
    overlay = PILImage.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(rng.randint(40, 70)):
        r = rng.randint(20, 90)
        x, y = rng.randint(0, width), rng.randint(0, int(height * 0.75))
        colour = rng.choice([accent, light, (255, 200, 90), (180, 120, 255)])
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, rng.randint(50, 140)))
    blurred = overlay.filter(ImageFilter.GaussianBlur(6))
    image.paste(blurred, (0, 0), blurred)
    draw = ImageDraw.Draw(image)
    x = 0
    while x < width:
        w = rng.randint(120, 240)
        h = rng.randint(280, 460)
        draw.rectangle((x, height - h, x + w, height), fill=dark)
        if rng.random() < 0.5:
            sy = height - h + rng.randint(30, 120)
            draw.rectangle((x + 16, sy, x + w - 16, sy + 26), outline=rng.choice([accent, light]), width=5)
        x += w + rng.randint(6, 30)
    draw.rectangle((0, height - 40, width, height), fill=_mix(dark, accent, 0.15))


def _park(draw, rng, size, palette):
    width, height = size
    top, bottom, accent, dark, light = palette
    radius = rng.randint(60, 90)
    cx, cy = rng.randint(200, width - 200), rng.randint(120, 260)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=accent)
    for _ in range(3):
        cx, cy = rng.randint(100, width - 100), rng.randint(120, 330)
        for dx in (-60, 0, 60):
            draw.ellipse((cx + dx - 70, cy - 30, cx + dx + 70, cy + 40), fill=light)
    for layer in range(3):
        colour = _mix((140, 200, 110), dark, layer / 2)
        base = 560 + layer * 140
        for _ in range(3):
            cx = rng.randint(-200, width + 200)
            r = rng.randint(500, 900)
            draw.ellipse((cx - r, base, cx + r, base + r), fill=colour)
        draw.rectangle((0, base + 160, width, height), fill=colour)
        for _ in range(rng.randint(3, 6)):
            x = rng.randint(0, width)
            y = base + rng.randint(-10, 60)
            r = rng.randint(40, 80)
            draw.rectangle((x - 8, y, x + 8, y + r + 40), fill=(90, 60, 40))
            draw.ellipse((x - r, y - r, x + r, y + r // 2), fill=_mix(colour, (30, 90, 40), 0.5))
    kx, ky = rng.randint(300, width - 300), rng.randint(140, 300)
    draw.polygon([(kx, ky - 50), (kx + 40, ky), (kx, ky + 60), (kx - 40, ky)], fill=(230, 70, 60))
    draw.line((kx, ky + 60, kx - 160, ky + 420), fill=(80, 80, 80), width=2)


def _field(draw, rng, size, palette):
    width, height = size
    top, bottom, accent, dark, light = palette
    for i in range(0, width, 160):
        if (i // 160) % 2:
            draw.rectangle((i, 0, i + 160, height), fill=_mix(top, bottom, 0.5))
    draw.ellipse((-300, 120, width + 300, height + 500), outline=accent, width=90)
    for k in range(1, 4):
        draw.ellipse((-300 + k * 30, 120 + k * 30, width + 300 - k * 30, height + 500 - k * 30), outline=light,
                     width=3)
    draw.line((width // 2, 0, width // 2, height), fill=light, width=6)
    draw.ellipse((width // 2 - 140, height // 2 - 140, width // 2 + 140, height // 2 + 140), outline=light,
                 width=6)
    bx, by = rng.randint(300, width - 300), rng.randint(250, height - 250)
    draw.ellipse((bx - 26, by - 26, bx + 26, by + 26), fill=light, outline=dark, width=4)


def hero_image_bytes(index: int, topic: str) -> bytes:
    """A 1600x1000 JPEG: a simple illustrated scene whose palette and subject follow the topic."""
    rng = random.Random(7919 * (index + 1))
    kind, palette = TOPIC_SCENES[topic]
    # Shift the palette a little so images of the same topic are not identical.
    shift = rng.uniform(-0.18, 0.18)
    palette = tuple(_mix(c, (255, 255, 255) if shift > 0 else (0, 0, 0), abs(shift)) for c in palette)
    top, bottom = palette[0], palette[1]
    if kind == "table":
        image = _vertical_gradient(HERO_SIZE, bottom, top)
    elif kind == "field":
        image = _vertical_gradient(HERO_SIZE, top, bottom)
    else:
        image = _vertical_gradient(HERO_SIZE, top, bottom)
    if kind == "night":
        _night(image, rng, HERO_SIZE, palette)
    else:
        draw = ImageDraw.Draw(image)
        {
            "skyline": lambda: _skyline(draw, rng, HERO_SIZE, palette),
            "towers": lambda: _skyline(draw, rng, HERO_SIZE, palette, glass=True),
            "table": lambda: _table(draw, rng, HERO_SIZE, palette),
            "mountains": lambda: _mountains(draw, rng, HERO_SIZE, palette),
            "lanterns": lambda: _lanterns(draw, rng, HERO_SIZE, palette),
            "park": lambda: _park(draw, rng, HERO_SIZE, palette),
            "field": lambda: _field(draw, rng, HERO_SIZE, palette),
        }[kind]()
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=84, optimize=True, progressive=True)
    return buffer.getvalue()


def hero_image_text(index: int, topic: str) -> dict[str, str]:
    kind = TOPIC_SCENES[topic][0]
    title, alt_text, caption = SCENE_TEXT[kind]
    number = index // len(TOPICS) + 1
    return {
        "title": f"{title} ({number})",
        "alt_text": alt_text,
        "caption": caption,
        "credit": IMAGE_CREDIT,
    }


def author_photo_bytes(spec: AuthorSpec, size: int = 600) -> bytes:
    """A square portrait silhouette on the author's colour."""
    background = _mix(spec.colour, (255, 255, 255), 0.55)
    image = _vertical_gradient((size, size), background, spec.colour)
    draw = ImageDraw.Draw(image)
    figure = _mix(spec.colour, (20, 20, 30), 0.55)
    head = size // 6
    cx, cy = size // 2, int(size * 0.46)
    draw.ellipse((cx - int(size * 0.34), int(size * 0.68), cx + int(size * 0.34), int(size * 1.25)), fill=figure)
    draw.rectangle((cx - head // 3, cy + head - 10, cx + head // 3, int(size * 0.7)), fill=figure)
    draw.ellipse((cx - head, cy - head, cx + head, cy + head), fill=figure)
    buffer = io.BytesIO()
    image.filter(ImageFilter.SMOOTH).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
