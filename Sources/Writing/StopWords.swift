/// Function words that never become keywords or hashtags. English is complete enough for keyword extraction;
/// the others hold their most frequent words, which is what matters for ranking.
enum StopWords {
    /// True when the lowercased word is a stop word in any of the known languages.
    static func contains(_ lowercased: String) -> Bool { all.contains(lowercased) }

    /// English stop words, also used to recognise English text for readability.
    static let english = Set<String>([
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "aren't",
        "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
        "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down",
        "during", "each", "even", "ever", "every", "few", "for", "from", "further", "get", "gets", "got", "had",
        "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here",
        "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "however", "i", "i'd", "i'll", "i'm",
        "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "let's", "like", "many",
        "may", "me", "might", "more", "most", "much", "must", "mustn't", "my", "myself", "new", "no", "nor", "not",
        "now", "of", "off", "often", "on", "once", "one", "only", "or", "other", "ought", "our", "ours",
        "ourselves", "out", "over", "own", "per", "quite", "rather", "really", "same", "shall", "shan't", "she",
        "she'd", "she'll", "she's", "should", "shouldn't", "since", "so", "some", "still", "such", "than", "that",
        "that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these", "they",
        "they'd", "they'll", "they're", "they've", "this", "those", "though", "through", "thus", "to", "too",
        "two", "under", "until", "up", "upon", "us", "use", "used", "using", "very", "via", "was", "wasn't", "we",
        "we'd", "we'll", "we're", "we've", "well", "were", "weren't", "what", "what's", "when", "when's", "where",
        "where's", "whether", "which", "while", "who", "who's", "whom", "whose", "why", "why's", "will", "with",
        "within", "without", "won't", "would", "wouldn't", "yet", "you", "you'd", "you'll", "you're", "you've",
        "your", "yours", "yourself", "yourselves", "make", "makes", "made", "way", "ways", "thing", "things",
        "lot", "lots", "want", "need", "needs", "take", "takes", "know", "see", "go", "goes", "going", "come",
        "say", "says", "said", "first", "last", "next", "back", "let", "put", "done", "able", "already", "always",
        "never", "another", "around", "across", "among", "else", "enough", "least", "less", "along", "anything",
        "something", "nothing", "everything", "someone", "anyone", "everyone", "everybody", "three", "yes",
        "today", "day", "days", "time", "times", "year", "years", "good", "great", "best", "better", "big",
        "small", "right", "sure", "okay", "ok", "etc", "e.g", "i.e", "www", "http", "https", "com",
        "hi", "dr", "mr", "mrs", "ms",
    ])

    private static let others = Set<String>([
        // Spanish
        "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "de", "del", "al", "que", "en", "es", "por",
        "para", "con", "se", "su", "sus", "lo", "como", "más", "pero", "ya", "este", "esta", "son", "muy", "sin",
        "está", "están", "era", "fue", "ser", "son", "hay", "estão", "são", "foi",
        // French
        "le", "les", "des", "du", "et", "ou", "est", "une", "pour", "dans", "sur", "pas", "qui", "ce", "cette",
        "au", "aux", "avec", "sont", "plus", "mais", "nous", "vous", "ils", "elle", "il", "ne", "leur",
        // German
        "der", "die", "das", "und", "oder", "ist", "ein", "eine", "einen", "dem", "den", "mit", "für", "auf",
        "nicht", "sich", "auch", "es", "zu", "im", "von", "sind", "wie", "wir", "ihr", "sie", "bei", "aus", "noch",
        // Portuguese / Italian
        "os", "as", "um", "uma", "em", "não", "com", "mais", "il", "lo", "gli", "di", "che", "non", "per", "sono",
        // Greek
        "και", "να", "το", "τον", "την", "του", "της", "των", "τα", "οι", "η", "ο", "για", "με", "σε", "από", "που",
        "είναι", "θα", "δεν", "στο", "στη", "στην", "στον", "τη",
        // Russian
        "и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так", "его",
        "но", "да", "ты", "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "мне", "было", "вот", "от",
        "меня", "еще", "нет", "о", "из", "ему", "это", "этот", "эта", "эти", "для", "при", "или", "мы", "они",
        "их", "чем", "был", "была", "были", "будет", "также", "уже", "если", "может", "который", "которые",
        // Arabic
        "في", "من", "على", "إلى", "الى", "عن", "مع", "هذا", "هذه", "ذلك", "التي", "الذي", "الذين", "أن", "إن",
        "ان", "كان", "كانت", "لا", "ما", "لم", "لن", "هو", "هي", "قد", "كل", "بعض", "او", "أو", "ثم", "بين",
        "عند", "حتى", "كما", "لكن", "وقد", "وهو", "وهي", "فى", "به", "بها", "له", "لها",
        // Persian
        "از", "به", "در", "با", "که", "را", "این", "آن", "است", "برای", "و", "می", "هم", "تا", "یک", "شده", "شود",
        "بر", "نیز", "هر", "اما", "یا",
        // Hebrew
        "את", "של", "על", "עם", "זה", "זו", "הוא", "היא", "גם", "כי", "לא", "אל", "מה", "או", "אם", "יש", "אבל",
        "כל", "בין", "שבה", "שבו",
        // Hindi
        "का", "के", "की", "है", "हैं", "में", "से", "को", "और", "पर", "यह", "वह", "ये", "वे", "था", "थी", "थे",
        "हो", "भी", "एक", "लिए", "तो", "ही", "कि", "जो", "कर", "किया", "गया", "नहीं", "या", "अपने", "इस", "उस",
        "साथ", "करने", "होता", "होती", "रहा", "रही", "सकता", "सकते",
    ])

    private static let all: Set<String> = english.union(others)

    /// Chinese characters that are grammar, not topic: a character pair containing one is never a keyword.
    static let hanFunction = Set<Character>([
        "的", "了", "是", "在", "和", "有", "我", "这", "也", "就", "都", "而", "及", "与", "着", "或", "之", "其",
        "他", "她", "它", "你", "们", "为", "以", "于", "个", "到", "说", "要", "会", "对", "把", "被", "让", "从",
        "很", "更", "最", "还", "又", "那", "些", "么", "吗", "呢", "吧", "等", "地", "得", "所", "但", "并", "将", "已",
    ])
}
