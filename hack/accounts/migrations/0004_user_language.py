from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_bounded_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                choices=[("ja", "Japanese"), ("en", "English")],
                default="ja",
                max_length=8,
                verbose_name="language for emails",
            ),
        ),
    ]
