from django.db import migrations

# Codes the code relies on (duplicate, no_clarification) and the usual reasons of 59-ФЗ art. 11.
REASONS = [
    ("duplicate", "Дубликат", "Ваше сообщение объединено с ранее поданным обращением о той же проблеме: следите за ним."),
    ("no_clarification", "Нет уточнения", "Заявитель не дал уточнений в установленный срок, обращение оставлено без рассмотрения."),
    ("obscene", "Нецензурные или оскорбительные выражения", "Обращение содержит нецензурные либо оскорбительные выражения (ст. 11 59-ФЗ)."),
    ("unreadable", "Суть не ясна", "Из текста обращения невозможно понять, о какой проблеме идёт речь (ст. 11 59-ФЗ)."),
    ("not_competent", "Вне компетенции", "Вопрос не относится к компетенции органов власти региона и местного самоуправления."),
    ("court", "Вопрос решается в суде", "Вопрос обжалуется в судебном порядке и не может быть рассмотрен по существу."),
    ("spam", "Спам или реклама", "Сообщение не является обращением гражданина."),
]


def add_reasons(apps, schema_editor):
    RejectionReason = apps.get_model("directory", "RejectionReason")
    for code, name, text in REASONS:
        RejectionReason.objects.update_or_create(
            code=code, defaults={"name": name, "public_text": text, "is_active": True}
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(add_reasons, migrations.RunPython.noop)]
