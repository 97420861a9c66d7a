/// The fixed words of the builtin model's templates (email, podcast outline, article), in the input's language.
///
/// The language is the request's `language` when given (its first subtag: `pt-BR` → `pt`), else guessed from the
/// script (kana → Japanese, Han → Chinese, Cyrillic → Russian); anything else gets English.
struct TemplateLabels: Sendable {
    var subject: String
    var greeting: String
    var keyPoints: String
    var readMore: String
    var signOff: String
    var episode: String
    var intro: String
    var welcome: String          // followed by the title
    var segment: String
    var talkingPoint: String
    var outro: String
    var takeaways: String
    var closing: String
    var inThisArticle: String
    var conclusion: String
    var sumUp: String
    var sectionFiller: String    // after "<heading>: "
    /// Sentence end for lines the template writes ("." or "。").
    var stop: String

    static func forRequest(language: String?, sample: String) -> TemplateLabels {
        let code = language.map { String($0.lowercased().prefix { $0 != "-" && $0 != "_" }) } ?? guess(sample)
        return table[code] ?? english
    }

    private static func guess(_ text: String) -> String {
        var kana = 0, han = 0, cyrillic = 0
        for scalar in text.unicodeScalars.prefix(4_000) {
            switch scalar.value {
            case 0x3040...0x30FF: kana += 1
            case 0x4E00...0x9FFF: han += 1
            case 0x0400...0x04FF: cyrillic += 1
            default: break
            }
        }
        if kana > 0 { return "ja" }
        if han > 0 { return "zh" }
        if cyrillic > 0 { return "ru" }
        return "en"
    }

    static let english = TemplateLabels(
        subject: "Subject", greeting: "Hi,", keyPoints: "Key points:", readMore: "Read more:", signOff: "Thanks for reading,",
        episode: "Episode", intro: "INTRO", welcome: "Welcome back to the show. Today:", segment: "SEGMENT",
        talkingPoint: "Talking point: why this matters to the listener, and one example.", outro: "OUTRO",
        takeaways: "Key takeaways:", closing: "Thanks for listening. Subscribe so you don't miss the next episode.",
        inThisArticle: "In this article:", conclusion: "Conclusion", sumUp: "To sum up:",
        sectionFiller: "what it is, why it matters and how to put it to work.", stop: ".")

    private static let table: [String: TemplateLabels] = [
        "en": english,
        "es": TemplateLabels(
            subject: "Asunto", greeting: "Hola:", keyPoints: "Puntos clave:", readMore: "Más información:", signOff: "Gracias por leer,",
            episode: "Episodio", intro: "INTRO", welcome: "Bienvenidos de nuevo. Hoy:", segment: "SEGMENTO",
            talkingPoint: "Idea para comentar: por qué le importa al oyente, con un ejemplo.", outro: "CIERRE",
            takeaways: "Ideas clave:", closing: "Gracias por escuchar. Suscríbete para no perderte el próximo episodio.",
            inThisArticle: "En este artículo:", conclusion: "Conclusión", sumUp: "En resumen:",
            sectionFiller: "qué es, por qué importa y cómo aplicarlo.", stop: "."),
        "fr": TemplateLabels(
            subject: "Objet", greeting: "Bonjour,", keyPoints: "Points clés :", readMore: "En savoir plus :", signOff: "Merci de votre lecture,",
            episode: "Épisode", intro: "INTRO", welcome: "Bienvenue dans l'émission. Aujourd'hui :", segment: "SEGMENT",
            talkingPoint: "À développer : pourquoi c'est important pour l'auditeur, avec un exemple.", outro: "CONCLUSION",
            takeaways: "À retenir :", closing: "Merci de votre écoute. Abonnez-vous pour ne pas manquer le prochain épisode.",
            inThisArticle: "Dans cet article :", conclusion: "Conclusion", sumUp: "En résumé :",
            sectionFiller: "ce que c'est, pourquoi c'est important et comment s'y prendre.", stop: "."),
        "de": TemplateLabels(
            subject: "Betreff", greeting: "Hallo,", keyPoints: "Die wichtigsten Punkte:", readMore: "Mehr dazu:", signOff: "Danke fürs Lesen,",
            episode: "Folge", intro: "INTRO", welcome: "Willkommen zurück. Heute:", segment: "ABSCHNITT",
            talkingPoint: "Zum Besprechen: warum das für die Hörer wichtig ist, mit einem Beispiel.", outro: "OUTRO",
            takeaways: "Das Wichtigste:", closing: "Danke fürs Zuhören. Abonniere, um die nächste Folge nicht zu verpassen.",
            inThisArticle: "In diesem Artikel:", conclusion: "Fazit", sumUp: "Zusammengefasst:",
            sectionFiller: "was es ist, warum es wichtig ist und wie man es umsetzt.", stop: "."),
        "pt": TemplateLabels(
            subject: "Assunto", greeting: "Olá,", keyPoints: "Pontos principais:", readMore: "Saiba mais:", signOff: "Obrigado pela leitura,",
            episode: "Episódio", intro: "INTRO", welcome: "Bem-vindos de volta. Hoje:", segment: "SEGMENTO",
            talkingPoint: "Para comentar: por que isso importa para o ouvinte, com um exemplo.", outro: "ENCERRAMENTO",
            takeaways: "Principais ideias:", closing: "Obrigado por ouvir. Inscreva-se para não perder o próximo episódio.",
            inThisArticle: "Neste artigo:", conclusion: "Conclusão", sumUp: "Em resumo:",
            sectionFiller: "o que é, por que importa e como colocar em prática.", stop: "."),
        "ru": TemplateLabels(
            subject: "Тема", greeting: "Здравствуйте!", keyPoints: "Главное:", readMore: "Подробнее:", signOff: "Спасибо, что читаете,",
            episode: "Выпуск", intro: "ВСТУПЛЕНИЕ", welcome: "С возвращением! Сегодня:", segment: "ЧАСТЬ",
            talkingPoint: "Обсудить: почему это важно слушателю, и один пример.", outro: "ЗАВЕРШЕНИЕ",
            takeaways: "Главные мысли:", closing: "Спасибо, что слушаете. Подпишитесь, чтобы не пропустить следующий выпуск.",
            inThisArticle: "В этой статье:", conclusion: "Заключение", sumUp: "Итак:",
            sectionFiller: "что это, почему это важно и как применить.", stop: "."),
        "ja": TemplateLabels(
            subject: "件名", greeting: "こんにちは。", keyPoints: "ポイント：", readMore: "詳しくはこちら：", signOff: "お読みいただきありがとうございました。",
            episode: "エピソード", intro: "イントロ", welcome: "ようこそ。今日のテーマ：", segment: "セグメント",
            talkingPoint: "話すこと：リスナーにとってなぜ大切か、具体例をひとつ。", outro: "エンディング",
            takeaways: "まとめ：", closing: "お聴きいただきありがとうございました。次回もお楽しみに。",
            inThisArticle: "この記事の内容：", conclusion: "まとめ", sumUp: "まとめると：",
            sectionFiller: "それは何か、なぜ大切か、どう活かすか。", stop: "。"),
        "zh": TemplateLabels(
            subject: "主题", greeting: "你好，", keyPoints: "要点：", readMore: "了解更多：", signOff: "感谢阅读，",
            episode: "本期节目", intro: "开场", welcome: "欢迎回来。今天的话题：", segment: "环节",
            talkingPoint: "讨论：为什么这对听众很重要，并举一个例子。", outro: "结尾",
            takeaways: "要点回顾：", closing: "感谢收听。订阅节目，不要错过下一期。",
            inThisArticle: "本文内容：", conclusion: "结论", sumUp: "总结：",
            sectionFiller: "它是什么、为什么重要、如何应用。", stop: "。"),
    ]
}
