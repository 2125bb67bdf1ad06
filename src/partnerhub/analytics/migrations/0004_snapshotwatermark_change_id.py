# The snapshot's watermark also covers the ledger of changed items (subscriptions.ItemChange).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0003_snapshot_date_request'),
        ('subscriptions', '0002_itemchange'),
    ]

    operations = [
        migrations.AddField(
            model_name='snapshotwatermark',
            name='change_id',
            field=models.BigIntegerField(default=0),
        ),
    ]
