from django.db import migrations


def give_each_issue_a_web_id(apps, schema_editor):
    from newsletter.models import new_web_id

    Send = apps.get_model("newsletter", "Send")
    for send in Send.objects.filter(web_id__isnull=True).only("pk").iterator(chunk_size=500):
        Send.objects.filter(pk=send.pk).update(web_id=new_web_id())


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0004_send_web_id")]

    operations = [migrations.RunPython(give_each_issue_a_web_id, migrations.RunPython.noop)]
